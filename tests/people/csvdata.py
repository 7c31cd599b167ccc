"""Small CSV builders shared by the people tests."""

HEADER = "email;first_name;last_name;matricule;service;job_title;category;status;manager_email;hire_date"


def csv_bytes(*lines: str, header: str = HEADER, encoding: str = "utf-8", delimiter: str = ";") -> bytes:
    text = "\n".join([header, *lines]) + "\n"
    if delimiter != ";":
        text = text.replace(";", delimiter)
    return text.encode(encoding)


def row(
    email="anne.durand@example.org",
    first_name="Anne",
    last_name="Durand",
    matricule="A001",
    service="Direction des services techniques / Voirie",
    job_title="Agent de voirie",
    category="C",
    status="titulaire",
    manager_email="",
    hire_date="2024-03-01",
) -> str:
    return ";".join(
        [email, first_name, last_name, matricule, service, job_title, category, status, manager_email, hire_date]
    )
