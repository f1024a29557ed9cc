"""Build the three sample contracts that the demo ingests.

Run from anywhere:  python samples/build_samples.py

Writes, next to this script:
  ansaettelseskontrakt.pdf  - a two-page formal employment contract (fpdf2, core font Helvetica)
  tilbudsbrev.docx          - an offer letter with a key/value table (python-docx)
  ansaettelsesbevis.txt     - a key/value "ansættelsesbevis" (UTF-8)

The output is deterministic: fixed PDF creation date, fixed DOCX core properties and fixed
timestamps inside the DOCX zip, so rebuilding gives byte-identical files.

The people and companies are fictitious and deliberately differ from those in training/dev/.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import docx
from docx.shared import Pt
from fpdf import FPDF

HERE = Path(__file__).resolve().parent
FIXED_DATE = datetime(2025, 3, 3, 9, 0, 0, tzinfo=UTC)

# ---------------------------------------------------------------------------------------------
# 1. Formal contract (PDF). Core fonts only cover latin-1: no en dashes, bullets or curly quotes.
# ---------------------------------------------------------------------------------------------

PDF_TITLE = "ANSÆTTELSESKONTRAKT"

PDF_PARTIES = [
    "Mellem",
    'Limfjord Vandteknik A/S\nCVR-nr. 32 67 14 09\nStigsborg Brygge 5, 9400 Nørresundby\n(herefter "Virksomheden")',
    "og",
    'Maja Kirstine Lauridsen\nKastetvej 41, 3. th., 9000 Aalborg\nCPR-nr.: 150691-XXXX\n(herefter "Medarbejderen")',
    "er der dags dato indgået følgende ansættelseskontrakt:",
]

PDF_SECTIONS = [
    (
        "§ 1 Stilling og tiltrædelse",
        [
            "1.1 Medarbejderen ansættes som projektleder i Virksomhedens afdeling for "
            "vandbehandlingsanlæg med tiltrædelse den 1. april 2025.",
            "1.2 Medarbejderen refererer til afdelingschefen og har ansvaret for planlægning, "
            "styring og opfølgning på Virksomhedens anlægsprojekter hos kommunale og private kunder.",
            "1.3 Virksomheden kan ændre Medarbejderens arbejdsopgaver, i det omfang ændringerne ikke "
            "er væsentlige og ligger inden for stillingens naturlige rammer.",
        ],
    ),
    (
        "§ 2 Arbejdssted",
        [
            "2.1 Arbejdet udføres fra Virksomhedens projektkontor på Hjulmagervej 18, 9000 Aalborg.",
            "2.2 Medarbejderen må påregne rejseaktivitet i forbindelse med projektmøder og "
            "byggepladsbesøg i Danmark og Norden, herunder enkelte overnatninger.",
        ],
    ),
    (
        "§ 3 Arbejdstid",
        [
            "3.1 Den normale ugentlige arbejdstid er 37 timer inklusive frokostpause.",
            "3.2 Arbejdstiden er som udgangspunkt placeret mandag til fredag. Stillingen er af en "
            "sådan karakter, at der lejlighedsvis må påregnes merarbejde, som er indeholdt i lønnen.",
        ],
    ),
    (
        "§ 4 Løn",
        [
            "4.1 Medarbejderens månedsløn udgør 44.500,00 kr., som udbetales bagud den sidste bankdag i måneden.",
            "4.2 Lønnen tages op til forhandling én gang årligt med virkning pr. 1. april, første gang 1. april 2026.",
        ],
    ),
    (
        "§ 5 Pension",
        [
            "5.1 Fra ansættelsens start indbetaler Virksomheden 8 % og Medarbejderen 4 % af den "
            "pensionsgivende løn til Virksomhedens pensionsordning.",
            "5.2 Pensionsordningen omfatter forsikringsdækning ved tab af erhvervsevne, kritisk sygdom og død.",
        ],
    ),
    (
        "§ 6 Ferie",
        [
            "6.1 Medarbejderen har ret til ferie med løn efter ferieloven samt 5 feriefridage pr. "
            "ferieår. Ferie afholdes efter aftale med nærmeste leder.",
        ],
    ),
    (
        "§ 7 Sygdom",
        [
            "7.1 Sygdom skal meldes til nærmeste leder senest kl. 8.30 på første sygedag. "
            "Medarbejderen oppebærer fuld løn under sygdom.",
        ],
    ),
    (
        "§ 8 Prøvetid",
        [
            "8.1 De første 3 måneder af ansættelsen er prøvetid. I prøvetiden kan "
            "ansættelsesforholdet af begge parter opsiges med 14 dages varsel.",
        ],
    ),
    (
        "§ 9 Opsigelse",
        [
            "9.1 Efter prøvetidens udløb kan Virksomheden opsige Medarbejderen efter funktionærlovens regler.",
            "9.2 Medarbejderen kan opsige sin stilling med 1 måneds varsel til udgangen af en måned.",
        ],
    ),
    (
        "§ 10 Tavshedspligt",
        [
            "10.1 Medarbejderen har tavshedspligt om alle forhold vedrørende Virksomheden og dens "
            "kunder, som Medarbejderen bliver bekendt med i forbindelse med ansættelsen, og som "
            "efter deres natur bør holdes hemmelige. Tavshedspligten gælder også efter "
            "ansættelsens ophør.",
        ],
    ),
    (
        "§ 11 Bijob",
        [
            "11.1 Medarbejderen må ikke uden Virksomhedens skriftlige samtykke påtage sig lønnet "
            "arbejde for andre eller deltage i virksomhed, der konkurrerer med Virksomheden.",
        ],
    ),
    (
        "§ 12 Øvrige forhold",
        [
            "12.1 Der er ikke indgået kollektiv overenskomst for stillingen.",
            "12.2 Personaleforhold i øvrigt fremgår af Virksomhedens personalehåndbog, som "
            "Medarbejderen har modtaget ved underskriften. Ved uoverensstemmelse mellem "
            "personalehåndbogen og denne kontrakt går kontrakten forud.",
            "12.3 Kontrakten er udfærdiget i to eksemplarer, hvoraf hver part modtager ét.",
        ],
    ),
]

PDF_SIGNING = "Nørresundby, den 10. marts 2025"
PDF_SIGNATURES = (
    "For Limfjord Vandteknik A/S",
    "Medarbejder",
    "Henrik Vestergaard Bach, adm. direktør",
    "Maja Kirstine Lauridsen",
)


class ContractPdf(FPDF):
    def header(self) -> None:
        self.set_font("Helvetica", "B", 9)
        self.set_text_color(90, 90, 90)
        self.cell(0, 6, "Limfjord Vandteknik A/S", align="L")
        self.ln(10)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 10, f"Side {self.page_no()} af {{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def build_pdf(path: Path) -> None:
    pdf = ContractPdf(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title("Ansættelseskontrakt")
    pdf.set_author("Limfjord Vandteknik A/S")
    pdf.set_creator("samples/build_samples.py")
    pdf.set_producer("fpdf2")
    pdf.set_margins(25, 20, 25)
    pdf.set_auto_page_break(auto=True, margin=22)
    pdf.add_page()

    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, PDF_TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    pdf.set_font("Helvetica", "", 10.5)
    for block in PDF_PARTIES:
        pdf.multi_cell(0, 5.5, block, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(2.5)

    for heading, clauses in PDF_SECTIONS:
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 11)
        pdf.multi_cell(0, 6, heading, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_font("Helvetica", "", 10.5)
        for clause in clauses:
            pdf.multi_cell(0, 5.5, clause, new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.ln(1.5)

    pdf.ln(8)
    pdf.multi_cell(0, 5.5, PDF_SIGNING, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(14)
    left, right, left_name, right_name = PDF_SIGNATURES
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    pdf.cell(half, 5.5, "_" * 30)
    pdf.cell(half, 5.5, "_" * 30, new_x="LMARGIN", new_y="NEXT")
    pdf.cell(half, 5.5, left)
    pdf.cell(half, 5.5, right, new_x="LMARGIN", new_y="NEXT")
    pdf.cell(half, 5.5, left_name)
    pdf.cell(half, 5.5, right_name, new_x="LMARGIN", new_y="NEXT")

    if pdf.page_no() != 2:
        raise RuntimeError(f"the contract should fill exactly 2 pages, got {pdf.page_no()}")
    pdf.output(str(path))


# ---------------------------------------------------------------------------------------------
# 2. Offer letter (DOCX) with a key/value table.
# ---------------------------------------------------------------------------------------------

DOCX_HEADER = ["Bølgen Kommunikation ApS", "Mejlgade 48, 8000 Aarhus C", "CVR-nr. 40 52 87 16"]
DOCX_DATE = "Aarhus, 3. marts 2025"
DOCX_GREETING = "Kære Oskar Hvidt Lindberg"
DOCX_SUBJECT = "Tilbud om ansættelse som kommunikationskonsulent"
DOCX_BODY_BEFORE = [
    "Tak for to rigtig gode samtaler. Vi har været glade for at lære dig at kende, og vi er meget "
    "glade for at kunne tilbyde dig en stilling som kommunikationskonsulent hos Bølgen "
    "Kommunikation ApS, hvor du skal arbejde med strategisk kommunikation og presserådgivning for "
    "vores kunder i den offentlige sektor.",
    "Nedenfor har vi samlet de vigtigste vilkår. Den endelige ansættelseskontrakt sender vi til "
    "digital underskrift, så snart du har sagt ja.",
]
DOCX_TABLE = [
    ("Stilling", "Kommunikationskonsulent"),
    ("Tiltrædelse", "1. maj 2025"),
    ("Arbejdssted", "Store Torv 6, 2. sal, 8000 Aarhus C"),
    ("Arbejdstid", "37 timer om ugen, flekstid"),
    ("Månedsløn", "DKK 41.000"),
    ("Pension", "10 % fra arbejdsgiver, 5 % eget bidrag"),
    ("Prøvetid", "3 måneder"),
    ("Opsigelse", "Efter funktionærloven; fra din side 1 måneds varsel"),
    ("Øvrigt", "Frokostordning, sundhedsforsikring og fri telefon"),
]
DOCX_BODY_AFTER = [
    "Lønnen tages op til forhandling første gang pr. 1. april 2026. Tilbuddet gælder til og med "
    "fredag den 14. marts 2025.",
    "Vi glæder os til at høre fra dig og håber, at du vil være med til at skabe god kommunikation sammen med os.",
]
DOCX_CLOSING = ["Venlig hilsen", "", "Ditte Rosenkvist", "Partner, Bølgen Kommunikation ApS"]


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed member timestamps (python-docx stamps the current time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=(2025, 3, 3, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(item.filename))
    return out.getvalue()


def build_docx(path: Path) -> None:
    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)

    props = document.core_properties
    props.author = "Bølgen Kommunikation ApS"
    props.last_modified_by = "Bølgen Kommunikation ApS"
    props.title = "Tilbudsbrev"
    props.created = FIXED_DATE.replace(tzinfo=None)
    props.modified = FIXED_DATE.replace(tzinfo=None)
    props.last_printed = FIXED_DATE.replace(tzinfo=None)
    props.revision = 1

    header = document.add_paragraph()
    for i, line in enumerate(DOCX_HEADER):
        run = header.add_run(line)
        run.bold = i == 0
        if i < len(DOCX_HEADER) - 1:
            run.add_break()
    document.add_paragraph(DOCX_DATE)
    document.add_paragraph(DOCX_GREETING)
    document.add_paragraph().add_run(DOCX_SUBJECT).bold = True
    for text in DOCX_BODY_BEFORE:
        document.add_paragraph(text)

    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for key, value in DOCX_TABLE:
        cells = table.add_row().cells
        cells[0].text = key
        cells[1].text = value
        cells[0].paragraphs[0].runs[0].bold = True

    for text in DOCX_BODY_AFTER:
        document.add_paragraph(text)
    for line in DOCX_CLOSING:
        document.add_paragraph(line)

    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(_deterministic_zip(buffer.getvalue()))


# ---------------------------------------------------------------------------------------------
# 3. Ansættelsesbevis (plain UTF-8 text, key/value form).
# ---------------------------------------------------------------------------------------------

TXT = """ANSÆTTELSESBEVIS
Tårnby Kommune - Børne- og Skoleforvaltningen
Amager Landevej 76, 2770 Kastrup

Medarbejder:            Yasmin Aziz Hansen
CPR-nr.:                240388-XXXX
Bopæl:                  Englandsvej 212, 2. tv., 2770 Kastrup

Stilling:               Skolesekretær
Arbejdssted:            Korsvejens Skole, Gemmas Allé 39, 2770 Kastrup
Tiltrædelsesdato:       01.06.2025
Ansættelsesform:        Fast ansættelse, deltid
Ugentlig arbejdstid:    30 timer
Overenskomst:           Overenskomst for kontor- og IT-personale (KL/HK Kommunal)
Løn:                    kr. 26.110,42 pr. måned (løntrin 23 + tillæg, niveau pr. 1. april 2025)
Pension:                15,6 % af den pensionsgivende løn
Prøvetid:               3 måneder
Opsigelse:              Efter funktionærloven; i prøvetiden 14 dages varsel
Ferie:                  Efter ferieaftalen for kommunalt ansatte

Ansættelsen er sket efter samtale den 6. maj 2025.

Kastrup, den 12. maj 2025

For Tårnby Kommune
Pernille Grøn, skoleleder
"""


def build_txt(path: Path) -> None:
    path.write_text(TXT, encoding="utf-8", newline="\n")


def main() -> None:
    build_pdf(HERE / "ansaettelseskontrakt.pdf")
    build_docx(HERE / "tilbudsbrev.docx")
    build_txt(HERE / "ansaettelsesbevis.txt")
    for name in ("ansaettelseskontrakt.pdf", "tilbudsbrev.docx", "ansaettelsesbevis.txt"):
        print(f"wrote {HERE / name} ({(HERE / name).stat().st_size} bytes)")


if __name__ == "__main__":
    main()
