"""The skills profile chart: well-formed SVG, accessible, escaped, one bar per assessed competence."""

import xml.etree.ElementTree as ET

from skills.charts import ChartRow, profile_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 - our own markup


def rows() -> list[ChartRow]:
    return [
        ChartRow("1.1", "Mener une recherche", 4, 5),
        ChartRow("1.2", "Gérer des données", 6, 3),
        ChartRow("2.1", "Interagir", None, 4),
        ChartRow("2.2", "Partager et publier", None, None),
        ChartRow("4.1", "Sécuriser l'environnement", 0, None),
    ]


def with_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [element for element in root.iter() if name in (element.get("class") or "").split()]


def test_chart_is_well_formed_image_with_title_and_description():
    """The chart parses as XML and is an image named by its title and described by its desc."""
    root = parse(profile_chart(rows(), chart_id="profile"))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "profile-title profile-desc"
    assert root.get("viewBox").startswith("0 0 ")
    assert root.get("width") == "100%"
    assert root.find(f"{SVG}title").text == "Mes niveaux par compétence numérique"


def test_description_counts_assessed_and_below_target():
    """The desc sums it up: 3 assessed out of 5, 2 below target (1.1 at 4 for 5, 2.1 not assessed)."""
    desc = parse(profile_chart(rows())).find(f"{SVG}desc").text
    assert "3 compétences évaluées sur 5" in desc
    assert "2 compétences sous le niveau attendu" in desc


def test_description_without_targets_says_so():
    """Without any target, the desc does not claim anything about expected levels."""
    desc = parse(profile_chart([ChartRow("1.1", "Recherche", 3)])).find(f"{SVG}desc").text
    assert "1 compétence évaluée sur 1" in desc
    assert "Aucun niveau attendu" in desc


def test_one_bar_per_assessed_competence_and_none_when_not_assessed():
    """Three bars for three assessed competences (level 0 included); "non évalué" written instead."""
    root = parse(profile_chart(rows()))
    bars = with_class(root, "bar")
    assert len(bars) == 3
    widths = sorted(float(bar.get("width")) for bar in bars)
    assert widths[0] > 0  # level 0 shows a stub
    assert widths[1] < widths[2]  # 4 is shorter than 6
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert "non évalué (attendu 4)" in texts
    assert "non évalué" in texts
    assert "4 (attendu 5)" in texts
    assert "0" in texts


def test_one_target_marker_per_target_plus_the_legend():
    """Three competences have a target: three markers, and the legend shows the same shape once."""
    root = parse(profile_chart(rows()))
    markers = with_class(root, "target-marker")
    assert len(markers) == 3 + 1
    assert all(any(line.get("stroke-dasharray") for line in marker.iter(f"{SVG}line")) for marker in markers)


def test_below_target_bars_are_patterned_not_only_coloured():
    """A bar below its target uses the hatch pattern; the legend names it in words."""
    root = parse(profile_chart(rows(), chart_id="me"))
    fills = [bar.get("fill") for bar in with_class(root, "bar")]
    assert fills.count("url(#me-below)") == 1
    assert root.find(f".//{SVG}pattern").get("id") == "me-below"
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert "Sous le niveau attendu" in texts
    assert "Niveau attendu" in texts


def test_labels_are_codes_and_every_text_is_escaped():
    """A hostile name or title is shown as text, never as markup."""
    hostile = [ChartRow("<b>1.1</b>", "<script>alert(1)</script>", 3, 4)]
    markup = str(profile_chart(hostile, title='A & "B" <i>'))
    assert "<script>" not in markup
    assert "<b>" not in markup
    assert "<i>" not in markup
    root = parse(markup)
    assert root.find(f"{SVG}title").text == 'A & "B" <i>'
    assert "<b>1.1</b>" in [element.text for element in root.iter(f"{SVG}text")]
    tooltips = [element.text for element in root.iter(f"{SVG}title")]
    assert any("<script>alert(1)</script>" in (text or "") for text in tooltips)


def test_chart_id_is_made_safe():
    """An id with spaces or quotes cannot break out of its attribute."""
    root = parse(profile_chart(rows(), chart_id='a "b'))
    assert root.find(f"{SVG}title").get("id") == "a--b-title"


def test_empty_profile_still_renders():
    """No competence at all: a valid, empty chart."""
    root = parse(profile_chart([]))
    assert with_class(root, "bar") == []
