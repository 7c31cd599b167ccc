"""SVG charts: well-formed, accessible (role, title, desc), escaped, readable without colour."""

import xml.etree.ElementTree as ET

from paths import charts, rules

SVG = "{http://www.w3.org/2000/svg}"


def bars():
    return [
        charts.Bar("Direction des services techniques", {rules.COMPLETED: 3, rules.OVERDUE: 1}),
        charts.Bar("<script>alert(1)</script>", {rules.IN_PROGRESS: 2, rules.NOT_STARTED: 2}, indent=1),
        charts.Bar("Vide", {}),
    ]


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 - our own markup


def test_bar_chart_is_well_formed_with_title_and_description():
    """The bar chart parses as XML, is an image named by its title and description."""
    root = parse(charts.stacked_bar_chart(bars(), chart_id="services", title="Par service", description="Détail"))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "services-title services-desc"
    assert root.find(f"{SVG}title").get("id") == "services-title"
    assert root.find(f"{SVG}title").text == "Par service"
    assert root.find(f"{SVG}desc").text == "Détail"


def test_bar_chart_escapes_labels_and_title():
    """A service called <script> is shown as text, never as markup."""
    markup = str(charts.stacked_bar_chart(bars(), chart_id="x", title="A & <b>B</b>", description='"quoted" <i>'))
    assert "<script>" not in markup
    assert "<b>" not in markup
    assert "&lt;script&gt;" in markup
    root = parse(markup)
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert "<script>alert(1)</script>" in texts
    assert root.find(f"{SVG}title").text == "A & <b>B</b>"


def test_bar_chart_uses_patterns_and_words_not_colour_alone():
    """Each status has its own pattern and a legend in words; the rate is written at the end of a bar."""
    markup = str(charts.stacked_bar_chart(bars(), chart_id="cat", title="t", description="d"))
    root = parse(markup)
    pattern_ids = {pattern.get("id") for pattern in root.iter(f"{SVG}pattern")}
    assert pattern_ids == {"cat-in_progress", "cat-not_started", "cat-overdue"}
    texts = [element.text for element in root.iter(f"{SVG}text")]
    for word in ("Terminé", "En cours", "À faire", "En retard"):
        assert word in texts
    assert "75\u202f%" in texts  # 3 completed out of 4
    assert "—" in texts  # the empty bar has no rate


def test_two_charts_on_a_page_do_not_share_ids():
    """Pattern and title ids are prefixed by the chart id (and made safe)."""
    first = parse(charts.stacked_bar_chart(bars(), chart_id="a b", title="t", description="d"))
    second = parse(charts.stacked_bar_chart(bars(), chart_id="c", title="t", description="d"))
    ids = lambda root: {element.get("id") for element in root.iter() if element.get("id")}  # noqa: E731
    assert not ids(first) & ids(second)
    assert "a-b-title" in ids(first)


def test_long_labels_are_shortened_with_the_full_label_kept():
    """A long service name is cut in the chart; the full name stays in the row's title."""
    name = "Direction de l'aménagement, de l'urbanisme et des mobilités douces du territoire"
    root = parse(
        charts.stacked_bar_chart([charts.Bar(name, {rules.COMPLETED: 1})], chart_id="l", title="t", description="d")
    )
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert any(text.endswith("…") and len(text) < len(name) for text in texts)
    assert name in [element.text for element in root.iter(f"{SVG}title")]


def test_line_chart_is_well_formed_with_two_lines():
    """The trend chart parses, has a title and a description, one line per series and end values."""
    markup = charts.line_chart(
        ["3 nov", "10 nov", "17 nov"],
        [
            charts.Series("Agents concernés", [10, 12, 12], kind="total"),
            charts.Series("Parcours terminés", [0, 4, 12], kind="done"),
        ],
        chart_id="trend",
        title="Évolution <sur> 3 semaines",
        description="Courbes",
    )
    root = parse(markup)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Évolution <sur> 3 semaines"
    assert len(list(root.iter(f"{SVG}polyline"))) == 2
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert texts.count("12") >= 2  # both end values, moved apart when equal
    assert "Agents concernés" in texts


def test_line_chart_copes_with_nothing_and_a_single_week():
    """No data and a single point still give a valid image."""
    parse(charts.line_chart([], [], chart_id="e", title="t", description="d"))
    parse(charts.line_chart(["17 nov"], [charts.Series("Terminés", [0])], chart_id="s", title="t", description="d"))


def test_axis_bounds_and_numbers_are_round_and_french():
    """The scale ends on a round value; numbers use a narrow no-break space."""
    assert [charts._nice_max(value) for value in (0, 3, 7, 23, 180, 1000)] == [4, 4, 8, 24, 200, 1000]
    assert charts.number(55000) == "55\u202f000"
    assert charts.percent(87) == "87\u202f%"
