"""Reading agent CSV files: encodings, delimiters, columns and per-line checks (no database)."""

from datetime import date

from people.importing import read_agent_csv

from .csvdata import HEADER, csv_bytes, row


def messages(parsed):
    return [(error.line, error.column) for error in parsed.errors]


def test_reads_utf8_with_bom_and_semicolons():
    """A UTF-8 file with a BOM and ';' is read with its accents intact."""
    parsed = read_agent_csv(b"\xef\xbb\xbf" + csv_bytes(row(first_name="Hélène", last_name="Lefèvre")))
    assert parsed.errors == []
    assert parsed.encoding == "utf-8-sig"
    assert parsed.delimiter == ";"
    assert (parsed.rows[0].first_name, parsed.rows[0].last_name) == ("Hélène", "Lefèvre")


def test_reads_windows_1252_with_commas():
    """A Windows-1252 export from Excel with ',' is detected and decoded."""
    data = csv_bytes(row(first_name="Françoise", service="Régie des eaux"), encoding="cp1252", delimiter=",")
    parsed = read_agent_csv(data)
    assert parsed.errors == []
    assert parsed.encoding == "cp1252"
    assert parsed.delimiter == ","
    assert parsed.rows[0].first_name == "Françoise"
    assert parsed.rows[0].service == "Régie des eaux"


def test_normalises_values():
    """E-mails are lower-cased, service paths trimmed, dates in French format understood."""
    parsed = read_agent_csv(
        csv_bytes(row(email=" Anne.Durand@Example.ORG ", service=" DST  /  Voirie ", hire_date="05/09/2023"))
    )
    assert parsed.errors == []
    agent = parsed.rows[0]
    assert agent.email == "anne.durand@example.org"
    assert agent.service == "DST / Voirie"
    assert agent.hire_date == date(2023, 9, 5)


def test_accepts_french_labels_for_status_and_category():
    """'Élu' and 'Catégorie B' are understood."""
    parsed = read_agent_csv(csv_bytes(row(status="Élu", category="catégorie b")))
    assert parsed.errors == []
    assert (parsed.rows[0].status, parsed.rows[0].category) == ("elu", "B")


def test_missing_column_is_reported_on_the_header():
    """A missing column names the column, on line 1."""
    header = HEADER.replace(";hire_date", "")
    parsed = read_agent_csv(csv_bytes("a@b.fr;A;B;1;S;J;C;titulaire;", header=header))
    assert messages(parsed) == [(1, "hire_date")]
    assert "colonne manquante" in str(parsed.errors[0])


def test_bad_date_names_line_and_column():
    """A date that cannot be read is reported with its line and column."""
    parsed = read_agent_csv(csv_bytes(row(), row(email="b@example.org", matricule="A002", hire_date="31/02/2024")))
    assert messages(parsed) == [(3, "hire_date")]
    assert "Ligne 3" in str(parsed.errors[0])


def test_unknown_category_and_status():
    """An unknown category or status is an error of its own column."""
    parsed = read_agent_csv(csv_bytes(row(category="D", status="vacataire")))
    assert messages(parsed) == [(2, "category"), (2, "status")]


def test_duplicate_matricule_inside_the_file():
    """The second occurrence of a matricule is reported with the line of the first."""
    parsed = read_agent_csv(csv_bytes(row(), row(email="other@example.org")))
    assert messages(parsed) == [(3, "matricule")]
    assert "ligne 2" in str(parsed.errors[0])


def test_duplicate_email_inside_the_file():
    """The same e-mail twice is refused."""
    parsed = read_agent_csv(csv_bytes(row(), row(matricule="A002", email="ANNE.DURAND@example.org")))
    assert messages(parsed) == [(3, "email")]


def test_invalid_email_and_missing_names():
    """Required values and e-mail syntax are checked."""
    parsed = read_agent_csv(csv_bytes(row(email="not-an-address", first_name="", last_name="")))
    assert set(messages(parsed)) == {(2, "email"), (2, "first_name"), (2, "last_name")}


def test_empty_file_is_refused():
    """An empty (or blank) file gives one clear error."""
    for data in (b"", b"  \n\n"):
        parsed = read_agent_csv(data)
        assert [str(error) for error in parsed.errors] == ["Ligne 1 : Le fichier est vide."]


def test_header_only_file_is_refused():
    """A file with a header and no agent says so."""
    parsed = read_agent_csv(csv_bytes())
    assert "aucun agent" in str(parsed.errors[0])


def test_binary_file_is_refused():
    """A binary file (a PDF, a spreadsheet) is refused as not being a CSV text file."""
    parsed = read_agent_csv(b"%PDF-1.7\x00\x01\x02\xff\xfe binary")
    assert len(parsed.errors) == 1
    assert "binaires" in str(parsed.errors[0])


def test_xlsx_file_is_refused():
    """An .xlsx saved under a .csv name (a zip) is refused."""
    parsed = read_agent_csv(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256)))
    assert "binaires" in str(parsed.errors[0])


def test_self_manager_is_refused():
    """An agent cannot be their own manager."""
    parsed = read_agent_csv(csv_bytes(row(manager_email="anne.durand@example.org")))
    assert messages(parsed) == [(2, "manager_email")]


def test_blank_lines_are_ignored():
    """Empty lines between agents are skipped, line numbers stay those of the file."""
    parsed = read_agent_csv(csv_bytes(row(), ";;;;;;;;;", row(email="b@example.org", matricule="A2", category="X")))
    assert messages(parsed) == [(4, "category")]


def test_bom_file_with_windows_1252_bytes_gets_a_french_error():
    """A file that announces UTF-8 (BOM) but holds Windows-1252 bytes is refused with a French message."""
    data = b"\xef\xbb\xbf" + "matricule;nom;prénom;email\n".encode("cp1252")
    parsed = read_agent_csv(data)
    assert parsed.errors
    assert "encodage" in parsed.errors[0].message
