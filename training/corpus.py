"""Seeded synthetic corpus of Danish employment contracts and letters, with character-offset entity spans.

Each document is assembled from facts (who, what, when, how much) rendered in a randomly chosen format
and phrased by clause templates that are expanded compositionally: ``[a|b|c]`` picks one alternative
(nestable), ``{LABEL}`` inserts the fact as an entity span and ``{key}`` inserts plain text. Document
kinds cover clause-numbered contracts, key/value ansættelsesbeviser, offer letters and e-mails,
amendments, fixed-term, hourly, part-time, public-sector and executive contracts. Hard negatives (signing
and birth dates, CPR, CVR, phone numbers, home and header addresses, old salaries, regulation dates,
non-pension percentages, non-notice durations) appear unlabelled so the model learns context, not
formats. PDF-extraction noise (hard wraps, hyphenation, page headers/footers) is applied afterwards with
an offset map, so spans stay exact.

`token_labels` turns a document into token-level BIO ids with the same word convention the project's
inference uses: words are maximal runs of non-whitespace, a word overlapping a span is B- when it is the
span's first word and I- otherwise, and only the first token covering a word's first character carries
the label (bare "▁" tokens are skipped); every other token gets -100.
"""

# Clause templates and vocabularies are data: splitting their lines at 120 columns would hurt review.
# ruff: noqa: E501

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from models.danish import MONTH_NAMES, WEEKDAYS
from training import BIO_LABELS, LABEL_TYPES

LABEL2ID: dict[str, int] = {label: i for i, label in enumerate(BIO_LABELS)}
IGNORE = -100


@dataclass
class Span:
    label: str
    start: int
    end: int


@dataclass
class Document:
    text: str
    spans: list[Span] = field(default_factory=list)
    kind: str = ""

    def entities(self) -> list[dict[str, str]]:
        return [{"label": s.label, "text": self.text[s.start : s.end]} for s in self.spans]

    def to_json(self) -> str:
        return json.dumps(
            {
                "text": self.text,
                "kind": self.kind,
                "spans": [[s.label, s.start, s.end] for s in self.spans],
                "entities": self.entities(),
            },
            ensure_ascii=False,
        )


# --------------------------------------------------------------------------------------------------
# Vocabulary: names, organisations, places
# --------------------------------------------------------------------------------------------------

FIRST_NAMES = (  # noqa: SIM905 - word lists read best as one string
    "Anne Mette Hanne Kirsten Susanne Lene Maria Marianne Camilla Louise Charlotte Pia Tina Helle Bente Karen "
    "Lone Inge Julie Sofie Emma Ida Freja Clara Laura Anna Ella Alma Karla Josefine Cecilie Maja Nanna Line "
    "Rikke Trine Sanne Signe Stine Katrine Malene Mathilde Sara Astrid Birgitte Dorthe Gitte Jette Lise Vibeke "
    "Tove Ulla Winnie Yvonne Agnete Ditte Eva Frida Gry Hjørdis Iben Jytte Kamilla Lærke Mie Nadia Olivia "
    "Pernille Ragnhild Sidsel Tanja Ursula Vera Zara Asta Bodil Dagmar Else Grethe Ingrid Merete Rut Solveig "
    "Peter Jens Lars Michael Henrik Thomas Søren Jan Niels Anders Morten Jesper Mads Rasmus Martin Christian "
    "Kasper Jakob Frederik Mikkel Emil Oliver William Noah Lucas Victor Magnus Oscar Carl Alfred Aksel Valdemar "
    "Bo Claus Erik Finn Gunnar Hans Ib Johannes Kim Knud Leif Ole Poul Preben Steen Torben Uffe Vagn Bent "
    "Brian Dennis Flemming Jørgen Kenneth Kristian Nikolaj Per Rune Simon Tobias Troels Ulrik Casper Esben "
    "Gustav Halfdan Ivar Jonas Kristoffer Laurits Malthe Nicklas Otto Philip Sebastian Theodor Villads August "
    "Ahmed Ali Mohammed Fatima Aisha Yusuf Omar Leila Mariam Hassan Piotr Agnieszka Tomasz Katarzyna Andrzej "
    "Ivan Olena Dmitro Elif Mehmet Ayşe Giulia Marco Sven Ingrid Björn Astrid Joakim Liv Nils Oddny Jóhanna "
    "Sunniva Mai Linh Chen Wei Priya Arjun Raj"
).split()

DOUBLE_FIRST = (  # noqa: SIM905 - word lists read best as one string
    "Anne-Sofie Anne-Marie Hans-Christian Karl-Emil Lise-Lotte Mette-Marie Jens-Peter Ann-Britt Eva-Lis "
    "Marie-Louise Per-Ole Bo-Erik"
).split()

MIDDLE_NAMES = (  # noqa: SIM905 - word lists read best as one string
    "Holm Lund Dam Bach Krogh Munk Skov Bjerre Kjær Juul Brink Dahl Vang Gade Fog Hald Friis Buch Kirk Lykke "
    "Mølgaard Østergaard Højgaard Nørgaard Engelbrecht Kofoed Rosenberg Marie Louise Emilie Christian Peter"
).split()

LAST_NAMES = (  # noqa: SIM905 - word lists read best as one string
    "Jensen Nielsen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Jørgensen Petersen "
    "Madsen Kristensen Olsen Thomsen Christiansen Poulsen Johansen Møller Mortensen Knudsen Jakobsen "
    "Jacobsen Mikkelsen Olesen Frederiksen Laursen Henriksen Lund Schmidt Eriksen Holm Kristiansen Clausen "
    "Simonsen Svendsen Andreasen Iversen Jeppesen Mogensen Jespersen Nissen Lauridsen Frandsen Østergaard "
    "Jepsen Kjær Carlsen Vestergaard Jessen Nørgaard Dahl Christoffersen Skov Søndergaard Bertelsen "
    "Bruun Lassen Bach Gregersen Friis Johnsen Steffensen Kjeldsen Bech Krogh Lauritsen Danielsen "
    "Mathiasen Andresen Brandt Winther Toft Ravn Mathiesen Dam Thygesen Overgaard Kofoed Bak Lindberg "
    "Damgaard Gade Bisgaard Koch Hedegaard Munk Juhl Thorsen Villadsen Halvorsen Vinther Mølgaard Ahmadi "
    "Hussein Yilmaz Kowalski Nowak Kaya Demir Rossi Nguyen Khan Popescu Novak Lindqvist Berg Haugen "
    "Rahimi Abdi Shah Kovač Horvath Müller Wagner Fischer Eriksson Johansson Aaberg Ågesen Ebbesen Kirkegaard "
    "Hviid Riis Fog Storm Brix Buus Ladefoged Kragh Enevoldsen Thrane Gravesen Busk Hjorth Bonde Lykke"
).split()

COMPANY_STEMS = (  # noqa: SIM905 - word lists read best as one string
    "Nordlys Havbrise Fjordlys Kystlinje Bøgeskov Egetræ Lindely Solsikke Stjerneskud Havørn Trane Glente "
    "Vindrose Kompas Fyrtårn Ankerpunkt Bølgen Klippen Skovsø Engblomst Mosegaard Vesterhavet Østersø "
    "Fremtid Nova Nexus Vertex Lumen Axio Kvantum Polar Atlas Vega Orion Aurora Zenith Alfa Delta Cirkel "
    "Nordisk Dansk Jysk Fynsk Sjællandsk Bornholmsk Skandinavisk Grøn Blå Hvid Rød Sort Guld Sølv Kobber "
    "Møllegården Kildebakken Birkely Granly Rosenhøj Bakkehuset Strandgården Præstø Tønder Ribe Skagen Mols"
).split()

COMPANY_TRADES = (  # noqa: SIM905 - word lists read best as one string
    "Consult Byg Data Tech Logistik Rengøring Service Gruppen Solutions Design Revision Holding Partners "
    "Transport Ejendomme Energi Software Systems Rådgivning Marketing Media Foods Bageri Auto Maskiner "
    "Entreprise VVS El-service Tømrer Malerfirma Advokater Arkitekter Ingeniører Handel Import Trading "
    "Finans Invest Kommunikation Analytics Labs Medico Pharma Care Optik Event Catering Biler Gartneri"
).split()

LEGAL_FORMS = ("ApS", "ApS", "ApS", "A/S", "A/S", "I/S", "IVS", "K/S", "P/S", "Aps", "a/s")

REGIONS = ("Region Hovedstaden", "Region Sjælland", "Region Syddanmark", "Region Midtjylland", "Region Nordjylland")

INSTITUTIONS = (
    "Aarhus Universitet",
    "Københavns Universitet",
    "Aalborg Universitet",
    "Syddansk Universitet",
    "Roskilde Universitet",
    "Danmarks Tekniske Universitet",
    "IT-Universitetet i København",
    "Professionshøjskolen Absalon",
    "VIA University College",
    "UC SYD",
    "Københavns Professionshøjskole",
    "Erhvervsakademi Aarhus",
    "Zealand Erhvervsakademi",
    "Rigshospitalet",
    "Odense Universitetshospital",
    "Aarhus Universitetshospital",
    "Sundhedsstyrelsen",
    "Skattestyrelsen",
    "Energistyrelsen",
    "Naturstyrelsen",
    "Udbetaling Danmark",
    "Danmarks Statistik",
    "Det Kongelige Bibliotek",
    "Nationalmuseet",
    "DR",
    "Banedanmark",
    "Vejdirektoratet",
    "Arbejdstilsynet",
    "Styrelsen for It og Læring",
)

FORENING_PATTERNS = (
    "Foreningen {stem}",
    "Boligforeningen {stem}",
    "Idrætsforeningen {stem}",
    "{stem} Boldklub",
    "Dansk {trade}forening",
    "Grundejerforeningen {stem}",
    "Andelsboligforeningen {stem}",
    "Den selvejende institution {stem}",
    "{stem} Efterskole",
    "{stem} Friskole",
    "{stem} Højskole",
    "Fonden {stem}",
    "{stem} Sejlklub",
    "Kulturhuset {stem}",
    "Landsforeningen {stem}",
)

FORENING_TRADES = ("Musik", "Kunst", "Hjerte", "Gigt", "Natur", "Børne", "Ældre", "Handicap", "Cykel", "Spejder")

PERSON_FIRM_PATTERNS = (
    "{last} & Søn ApS",
    "{last} & Sønner A/S",
    "Tømrerfirmaet {last} ApS",
    "Malermester {first} {last}",
    "Murerfirmaet {last} & {last2} I/S",
    "Advokatfirmaet {last} & {last2}",
    "{last} Biler A/S",
    "Tandlæge {first} {last} ApS",
    "Revisionsfirmaet {last} ApS",
    "Frisør {first}",
    "{last}s Bageri",
    "Elinstallatør {last} ApS",
    "{last} Transport ApS",
    "VVS-firmaet {last} & Co. ApS",
)

POSTCODES = (
    ("1050", "København K"),
    ("1160", "København K"),
    ("1256", "København K"),
    ("1411", "København K"),
    ("1552", "København V"),
    ("1620", "København V"),
    ("1799", "København V"),
    ("1850", "Frederiksberg C"),
    ("1900", "Frederiksberg C"),
    ("2000", "Frederiksberg"),
    ("2100", "København Ø"),
    ("2150", "Nordhavn"),
    ("2200", "København N"),
    ("2300", "København S"),
    ("2400", "København NV"),
    ("2450", "København SV"),
    ("2500", "Valby"),
    ("2600", "Glostrup"),
    ("2605", "Brøndby"),
    ("2610", "Rødovre"),
    ("2620", "Albertslund"),
    ("2625", "Vallensbæk"),
    ("2630", "Taastrup"),
    ("2635", "Ishøj"),
    ("2650", "Hvidovre"),
    ("2660", "Brøndby Strand"),
    ("2665", "Vallensbæk Strand"),
    ("2670", "Greve"),
    ("2680", "Solrød Strand"),
    ("2690", "Karlslunde"),
    ("2700", "Brønshøj"),
    ("2720", "Vanløse"),
    ("2730", "Herlev"),
    ("2740", "Skovlunde"),
    ("2750", "Ballerup"),
    ("2760", "Måløv"),
    ("2770", "Kastrup"),
    ("2791", "Dragør"),
    ("2800", "Kongens Lyngby"),
    ("2820", "Gentofte"),
    ("2830", "Virum"),
    ("2840", "Holte"),
    ("2850", "Nærum"),
    ("2860", "Søborg"),
    ("2870", "Dyssegård"),
    ("2880", "Bagsværd"),
    ("2900", "Hellerup"),
    ("2920", "Charlottenlund"),
    ("2930", "Klampenborg"),
    ("2942", "Skodsborg"),
    ("2950", "Vedbæk"),
    ("2960", "Rungsted Kyst"),
    ("2970", "Hørsholm"),
    ("2980", "Kokkedal"),
    ("2990", "Nivå"),
    ("3000", "Helsingør"),
    ("3050", "Humlebæk"),
    ("3060", "Espergærde"),
    ("3070", "Snekkersten"),
    ("3100", "Hornbæk"),
    ("3120", "Dronningmølle"),
    ("3200", "Helsinge"),
    ("3230", "Græsted"),
    ("3250", "Gilleleje"),
    ("3300", "Frederiksværk"),
    ("3320", "Skævinge"),
    ("3400", "Hillerød"),
    ("3450", "Allerød"),
    ("3460", "Birkerød"),
    ("3480", "Fredensborg"),
    ("3490", "Kvistgård"),
    ("3500", "Værløse"),
    ("3520", "Farum"),
    ("3540", "Lynge"),
    ("3550", "Slangerup"),
    ("3600", "Frederikssund"),
    ("3630", "Jægerspris"),
    ("3650", "Ølstykke"),
    ("3660", "Stenløse"),
    ("3700", "Rønne"),
    ("3720", "Aakirkeby"),
    ("3730", "Nexø"),
    ("3740", "Svaneke"),
    ("3770", "Allinge"),
    ("4000", "Roskilde"),
    ("4030", "Tune"),
    ("4040", "Jyllinge"),
    ("4050", "Skibby"),
    ("4060", "Kirke Såby"),
    ("4100", "Ringsted"),
    ("4130", "Viby Sjælland"),
    ("4140", "Borup"),
    ("4160", "Herlufmagle"),
    ("4171", "Glumsø"),
    ("4180", "Sorø"),
    ("4200", "Slagelse"),
    ("4220", "Korsør"),
    ("4230", "Skælskør"),
    ("4250", "Fuglebjerg"),
    ("4270", "Høng"),
    ("4300", "Holbæk"),
    ("4340", "Tølløse"),
    ("4370", "Store Merløse"),
    ("4400", "Kalundborg"),
    ("4450", "Jyderup"),
    ("4500", "Nykøbing Sj"),
    ("4520", "Svinninge"),
    ("4540", "Fårevejle"),
    ("4550", "Asnæs"),
    ("4560", "Vig"),
    ("4600", "Køge"),
    ("4621", "Gadstrup"),
    ("4632", "Bjæverskov"),
    ("4640", "Faxe"),
    ("4652", "Hårlev"),
    ("4660", "Store Heddinge"),
    ("4690", "Haslev"),
    ("4700", "Næstved"),
    ("4720", "Præstø"),
    ("4733", "Tappernøje"),
    ("4750", "Lundby"),
    ("4760", "Vordingborg"),
    ("4780", "Stege"),
    ("4800", "Nykøbing F"),
    ("4840", "Nørre Alslev"),
    ("4850", "Stubbekøbing"),
    ("4873", "Væggerløse"),
    ("4880", "Nysted"),
    ("4900", "Nakskov"),
    ("4930", "Maribo"),
    ("4960", "Holeby"),
    ("4970", "Rødby"),
    ("4990", "Sakskøbing"),
    ("5000", "Odense C"),
    ("5200", "Odense V"),
    ("5210", "Odense NV"),
    ("5220", "Odense SØ"),
    ("5230", "Odense M"),
    ("5240", "Odense NØ"),
    ("5250", "Odense SV"),
    ("5260", "Odense S"),
    ("5270", "Odense N"),
    ("5300", "Kerteminde"),
    ("5330", "Munkebo"),
    ("5400", "Bogense"),
    ("5450", "Otterup"),
    ("5462", "Morud"),
    ("5500", "Middelfart"),
    ("5540", "Ullerslev"),
    ("5560", "Aarup"),
    ("5600", "Faaborg"),
    ("5610", "Assens"),
    ("5620", "Glamsbjerg"),
    ("5700", "Svendborg"),
    ("5750", "Ringe"),
    ("5762", "Vester Skerninge"),
    ("5800", "Nyborg"),
    ("5856", "Ryslinge"),
    ("5874", "Hesselager"),
    ("5900", "Rudkøbing"),
    ("5960", "Marstal"),
    ("5970", "Ærøskøbing"),
    ("6000", "Kolding"),
    ("6040", "Egtved"),
    ("6070", "Christiansfeld"),
    ("6100", "Haderslev"),
    ("6200", "Aabenraa"),
    ("6230", "Rødekro"),
    ("6240", "Løgumkloster"),
    ("6270", "Tønder"),
    ("6300", "Gråsten"),
    ("6330", "Padborg"),
    ("6400", "Sønderborg"),
    ("6430", "Nordborg"),
    ("6470", "Sydals"),
    ("6500", "Vojens"),
    ("6510", "Gram"),
    ("6560", "Sommersted"),
    ("6600", "Vejen"),
    ("6630", "Rødding"),
    ("6640", "Lunderskov"),
    ("6670", "Holsted"),
    ("6700", "Esbjerg"),
    ("6705", "Esbjerg Ø"),
    ("6710", "Esbjerg V"),
    ("6715", "Esbjerg N"),
    ("6720", "Fanø"),
    ("6740", "Bramming"),
    ("6760", "Ribe"),
    ("6800", "Varde"),
    ("6830", "Nørre Nebel"),
    ("6840", "Oksbøl"),
    ("6855", "Outrup"),
    ("6880", "Tarm"),
    ("6900", "Skjern"),
    ("6933", "Kibæk"),
    ("6950", "Ringkøbing"),
    ("6960", "Hvide Sande"),
    ("6971", "Spjald"),
    ("6990", "Ulfborg"),
    ("7000", "Fredericia"),
    ("7080", "Børkop"),
    ("7100", "Vejle"),
    ("7120", "Vejle Øst"),
    ("7130", "Juelsminde"),
    ("7140", "Stouby"),
    ("7160", "Tørring"),
    ("7190", "Billund"),
    ("7200", "Grindsted"),
    ("7250", "Hejnsvig"),
    ("7300", "Jelling"),
    ("7330", "Brande"),
    ("7400", "Herning"),
    ("7430", "Ikast"),
    ("7441", "Bording"),
    ("7480", "Vildbjerg"),
    ("7490", "Aulum"),
    ("7500", "Holstebro"),
    ("7540", "Haderup"),
    ("7550", "Sørvad"),
    ("7600", "Struer"),
    ("7620", "Lemvig"),
    ("7650", "Bøvlingbjerg"),
    ("7700", "Thisted"),
    ("7730", "Hanstholm"),
    ("7741", "Frøstrup"),
    ("7755", "Bedsted Thy"),
    ("7760", "Hurup Thy"),
    ("7800", "Skive"),
    ("7830", "Vinderup"),
    ("7840", "Højslev"),
    ("7850", "Stoholm Jyll"),
    ("7860", "Spøttrup"),
    ("7870", "Roslev"),
    ("7900", "Nykøbing M"),
    ("7950", "Erslev"),
    ("7960", "Karby"),
    ("7970", "Redsted M"),
    ("7980", "Vils"),
    ("7990", "Øster Assels"),
    ("8000", "Aarhus C"),
    ("8200", "Aarhus N"),
    ("8210", "Aarhus V"),
    ("8220", "Brabrand"),
    ("8230", "Åbyhøj"),
    ("8240", "Risskov"),
    ("8250", "Egå"),
    ("8260", "Viby J"),
    ("8270", "Højbjerg"),
    ("8300", "Odder"),
    ("8310", "Tranbjerg J"),
    ("8320", "Mårslet"),
    ("8330", "Beder"),
    ("8340", "Malling"),
    ("8355", "Solbjerg"),
    ("8361", "Hasselager"),
    ("8370", "Hadsten"),
    ("8380", "Trige"),
    ("8381", "Tilst"),
    ("8382", "Hinnerup"),
    ("8400", "Ebeltoft"),
    ("8410", "Rønde"),
    ("8450", "Hammel"),
    ("8462", "Harlev J"),
    ("8464", "Galten"),
    ("8471", "Sabro"),
    ("8500", "Grenaa"),
    ("8520", "Lystrup"),
    ("8530", "Hjortshøj"),
    ("8541", "Skødstrup"),
    ("8543", "Hornslet"),
    ("8550", "Ryomgård"),
    ("8560", "Kolind"),
    ("8570", "Trustrup"),
    ("8600", "Silkeborg"),
    ("8620", "Kjellerup"),
    ("8632", "Lemming"),
    ("8653", "Them"),
    ("8660", "Skanderborg"),
    ("8670", "Låsby"),
    ("8680", "Ry"),
    ("8700", "Horsens"),
    ("8721", "Daugård"),
    ("8732", "Hovedgård"),
    ("8740", "Brædstrup"),
    ("8751", "Gedved"),
    ("8762", "Flemming"),
    ("8765", "Klovborg"),
    ("8781", "Stenderup"),
    ("8800", "Viborg"),
    ("8830", "Tjele"),
    ("8840", "Rødkærsbro"),
    ("8850", "Bjerringbro"),
    ("8860", "Ulstrup"),
    ("8870", "Langå"),
    ("8881", "Thorsø"),
    ("8882", "Fårvang"),
    ("8883", "Gjern"),
    ("8900", "Randers C"),
    ("8920", "Randers NV"),
    ("8930", "Randers NØ"),
    ("8940", "Randers SV"),
    ("8950", "Ørsted"),
    ("8961", "Allingåbro"),
    ("8963", "Auning"),
    ("8970", "Havndal"),
    ("8981", "Spentrup"),
    ("8983", "Gjerlev J"),
    ("8990", "Fårup"),
    ("9000", "Aalborg"),
    ("9200", "Aalborg SV"),
    ("9210", "Aalborg SØ"),
    ("9220", "Aalborg Øst"),
    ("9230", "Svenstrup J"),
    ("9240", "Nibe"),
    ("9260", "Gistrup"),
    ("9270", "Klarup"),
    ("9280", "Storvorde"),
    ("9293", "Kongerslev"),
    ("9300", "Sæby"),
    ("9310", "Vodskov"),
    ("9320", "Hjallerup"),
    ("9330", "Dronninglund"),
    ("9340", "Asaa"),
    ("9352", "Dybvad"),
    ("9362", "Gandrup"),
    ("9370", "Hals"),
    ("9380", "Vestbjerg"),
    ("9381", "Sulsted"),
    ("9400", "Nørresundby"),
    ("9430", "Vadum"),
    ("9440", "Aabybro"),
    ("9460", "Brovst"),
    ("9480", "Løkken"),
    ("9490", "Pandrup"),
    ("9500", "Hobro"),
    ("9510", "Arden"),
    ("9520", "Skørping"),
    ("9530", "Støvring"),
    ("9541", "Suldrup"),
    ("9550", "Mariager"),
    ("9560", "Hadsund"),
    ("9574", "Bælum"),
    ("9600", "Aars"),
    ("9610", "Nørager"),
    ("9620", "Aalestrup"),
    ("9631", "Gedsted"),
    ("9640", "Farsø"),
    ("9670", "Løgstør"),
    ("9690", "Fjerritslev"),
    ("9700", "Brønderslev"),
    ("9740", "Jerup"),
    ("9750", "Østervrå"),
    ("9760", "Vrå"),
    ("9800", "Hjørring"),
    ("9830", "Tårs"),
    ("9850", "Hirtshals"),
    ("9870", "Sindal"),
    ("9881", "Bindslev"),
    ("9900", "Frederikshavn"),
    ("9940", "Læsø"),
    ("9970", "Strandby"),
    ("9981", "Jerup"),
    ("9982", "Ålbæk"),
    ("9990", "Skagen"),
)

KOMMUNER = (
    "København",
    "Frederiksberg",
    "Aarhus",
    "Aalborg",
    "Odense",
    "Vejle",
    "Esbjerg",
    "Randers",
    "Kolding",
    "Horsens",
    "Silkeborg",
    "Herning",
    "Roskilde",
    "Næstved",
    "Slagelse",
    "Holbæk",
    "Viborg",
    "Svendborg",
    "Gentofte",
    "Gladsaxe",
    "Lyngby-Taarbæk",
    "Rudersdal",
    "Hillerød",
    "Helsingør",
    "Fredericia",
    "Sønderborg",
    "Hjørring",
    "Frederikshavn",
    "Thisted",
    "Skive",
    "Holstebro",
    "Ringkøbing-Skjern",
    "Varde",
    "Haderslev",
    "Aabenraa",
    "Tønder",
    "Faaborg-Midtfyn",
    "Middelfart",
    "Nyborg",
    "Kalundborg",
    "Køge",
    "Greve",
    "Ballerup",
    "Albertslund",
    "Hvidovre",
    "Rødovre",
    "Brøndby",
    "Tårnby",
    "Furesø",
    "Egedal",
    "Halsnæs",
    "Gribskov",
    "Vordingborg",
    "Guldborgsund",
    "Lolland",
    "Bornholms Regionskommune",
    "Ikast-Brande",
    "Skanderborg",
    "Odder",
    "Syddjurs",
    "Norddjurs",
    "Favrskov",
    "Hedensted",
    "Billund",
    "Vesthimmerlands",
    "Rebild",
    "Mariagerfjord",
    "Jammerbugt",
    "Brønderslev",
    "Morsø",
    "Lemvig",
    "Struer",
    "Sorø",
    "Ringsted",
    "Faxe",
    "Stevns",
    "Solrød",
    "Lejre",
    "Odsherred",
)

STREET_PREFIXES = (  # noqa: SIM905 - word lists read best as one string
    "Nørre Vester Øster Sønder Kongens Dronning Strand Skov Bøge Ege Birke Mølle Kirke Hav Fjord Rose Lind "
    "Ahorn Industri Erhvervs Hoved Bane Stations Park Torve Ny Gammel Sol Eng Mose Bakke Dal Bro Slots Have "
    "Kilde Sø Vinkel Lunde Grønne Skole Rådhus Tingvalla Frederiks Christians Sophie Valde Hjorte Ravne Svane "
    "Stork Lærke Drosle Solsort Musvåge Pile Hassel Kastanje Elme Gran Fyrre Hyben Tjørne Kløver Valmue"
).split()

STREET_SUFFIXES = (  # noqa: SIM905 - word lists read best as one string
    "vej vej vej vej gade gade allé boulevard stræde vænget parken torv gyde stien bakken høj plads toften "
    "løkken marken haven kær lund"
).split()

FAMOUS_STREETS = (
    "H.C. Andersens Boulevard",
    "Niels Juels Gade",
    "Gammel Kongevej",
    "Amaliegade",
    "Vesterbrogade",
    "Nørrebrogade",
    "Østerbrogade",
    "Store Kongensgade",
    "Sankt Annæ Plads",
    "Kongens Nytorv",
    "Bredgade",
    "Strandvejen",
    "Lyngbyvej",
    "Roskildevej",
    "Jernbanegade",
    "Algade",
    "Søndergade",
    "Vestergade",
    "Nørregade",
    "Østergade",
    "Adelgade",
    "Dag Hammarskjölds Allé",
    "Ole Rømers Gade",
    "Finsensvej",
    "Banegårdspladsen",
    "Park Allé",
    "Frederiks Allé",
    "Åboulevarden",
    "Vesterå",
    "Kjeld Langes Gade",
    "Dr. Tværgade",
    "Sct. Knuds Torv",
    "Skt. Clemens Stræde",
    "Tage-Hansens Gade",
    "Lille Torv",
)

JOB_TITLES = (
    "salgskonsulent",
    "HR-partner",
    "projektleder",
    "softwareudvikler",
    "bogholder",
    "lagermedarbejder",
    "pædagog",
    "sygeplejerske",
    "social- og sundhedsassistent",
    "social- og sundhedshjælper",
    "kontorassistent",
    "økonomimedarbejder",
    "marketingkoordinator",
    "tømrer",
    "elektriker",
    "chauffør",
    "kok",
    "tjener",
    "receptionist",
    "IT-supporter",
    "it-supporter",
    "teamleder",
    "afdelingsleder",
    "økonomichef",
    "butiksassistent",
    "rengøringsassistent",
    "lærer",
    "pædagogmedhjælper",
    "ingeniør",
    "data scientist",
    "UX-designer",
    "regnskabsassistent",
    "juridisk konsulent",
    "advokatsekretær",
    "laborant",
    "specialkonsulent",
    "fuldmægtig",
    "akademisk medarbejder",
    "kundeservicemedarbejder",
    "key account manager",
    "account manager",
    "produktionsmedarbejder",
    "maskinarbejder",
    "smed",
    "mekaniker",
    "automekaniker",
    "frisør",
    "bager",
    "slagter",
    "ejendomsmægler",
    "administrativ medarbejder",
    "sekretær",
    "direktionssekretær",
    "controller",
    "forretningsudvikler",
    "kommunikationsmedarbejder",
    "grafisk designer",
    "webudvikler",
    "systemadministrator",
    "netværkstekniker",
    "IT-arkitekt",
    "scrum master",
    "product owner",
    "testkonsulent",
    "supportmedarbejder",
    "lønbogholder",
    "lønkonsulent",
    "HR-konsulent",
    "rekrutteringskonsulent",
    "indkøber",
    "logistikkoordinator",
    "planlægger",
    "servicetekniker",
    "montør",
    "VVS-montør",
    "maler",
    "murer",
    "arkitekt",
    "konstruktør",
    "byggeleder",
    "landinspektør",
    "ergoterapeut",
    "fysioterapeut",
    "jordemoder",
    "lægesekretær",
    "tandlægeassistent",
    "farmakonom",
    "apoteker",
    "psykolog",
    "socialrådgiver",
    "sagsbehandler",
    "skolelærer",
    "souschef",
    "køkkenchef",
    "servicemedarbejder",
    "pedel",
    "buschauffør",
    "lastbilchauffør",
    "truckfører",
    "kontorelev",
    "handelselev",
    "studentermedhjælper",
    "praktikant",
    "adjunkt",
    "lektor",
    "professor",
    "postdoc",
    "ph.d.-studerende",
    "forskningsassistent",
    "overlæge",
    "afdelingssygeplejerske",
    "klinisk diætist",
    "medicinsk fysiker",
    "administrerende direktør",
    "adm. direktør",
    "direktør",
    "økonomidirektør",
    "CFO",
    "CEO",
    "COO",
    "CTO",
    "salgsdirektør",
    "HR-chef",
    "driftschef",
    "butikschef",
    "regionschef",
    "filialleder",
    "institutionsleder",
    "skoleleder",
    "viceskoleleder",
    "dagplejer",
    "ledende sygeplejerske",
    "senior softwareudvikler",
    "junior konsulent",
    "seniorkonsulent",
    "chefkonsulent",
    "Senior Data Engineer",
    "Customer Success Manager",
    "Business Analyst",
    "Head of Sales",
    "Marketing Manager",
    "Project Manager",
    "Software Engineer",
    "Office Manager",
    "finanscontroller",
    "risikoanalytiker",
    "revisorassistent",
    "statsautoriseret revisor",
    "advokatfuldmægtig",
    "advokat",
    "kommunikationskonsulent",
    "presseansvarlig",
    "redaktør",
    "journalist",
    "fotograf",
    "bibliotekar",
    "museumsinspektør",
    "vagt",
    "sikkerhedsvagt",
    "portør",
    "sygehjælper",
    "hjemmehjælper",
    "kirketjener",
    "graver",
    "gartner",
    "staldmedarbejder",
    "sæsonmedarbejder",
    "medhjælper",
    "flexjobber",
    "disponent",
    "introduktionslæge",
    "gymnasielærer",
    "studentermedarbejder",
    "salgsassistent",
    "lagerchef",
    "kontorfuldmægtig",
    "anlægsgartner",
    "landmand",
    "fodermester",
    "dyrepasser",
    "veterinærsygeplejerske",
)

TITLE_PREFIXES = ("senior ", "junior ", "ledende ", "assisterende ", "")

OTHER_TITLES = (
    "direktør",
    "administrerende direktør",
    "HR-chef",
    "afdelingsleder",
    "personalechef",
    "indehaver",
    "bestyrelsesformand",
    "HR-ansvarlig",
    "partner",
    "daglig leder",
    "kontorchef",
)

# The lexicon's months and weekdays (models.danish); the abbreviation styles below are the
# generator's own writing styles, and LEGAL_FORMS above its sampling weights: changing either changes the
# corpus and with it the committed default model.
MONTHS = MONTH_NAMES
MONTH_ABBR = ("jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec.")
MONTH_ABBR2 = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sept.", "okt", "nov", "dec")
NUM_WORDS = {1: "en", 2: "to", 3: "tre", 4: "fire", 5: "fem", 6: "seks", 9: "ni", 12: "tolv", 14: "fjorten"}

ENTITY_KEYS = frozenset(LABEL_TYPES)


# --------------------------------------------------------------------------------------------------
# Fact renderers
# --------------------------------------------------------------------------------------------------

DATE_STYLES = (
    "long",
    "long0",
    "dot2",
    "dot1",
    "slash_dash",
    "dash2",
    "abbr",
    "iso",
    "dot_short",
    "slash",
    "long_den",
    "abbr2",
    "dot2_short",
)


def fmt_date(rng: random.Random, d: dt.date, style: str) -> str:
    """A date in one of the formats seen in Danish contracts."""
    if style == "long":
        return f"{d.day}. {MONTHS[d.month - 1]} {d.year}"
    if style == "long0":
        return f"{d.day:02d}. {MONTHS[d.month - 1]} {d.year}"
    if style == "long_den":
        return f"{d.day}. {MONTHS[d.month - 1].capitalize()} {d.year}"
    if style == "dot2":
        return f"{d.day:02d}.{d.month:02d}.{d.year}"
    if style == "dot1":
        return f"{d.day}.{d.month}.{d.year}"
    if style == "dot_short":
        return f"{d.day}.{d.month}.{d.year % 100:02d}"
    if style == "dot2_short":
        return f"{d.day:02d}.{d.month:02d}.{d.year % 100:02d}"
    if style == "slash_dash":
        return f"{d.day}/{d.month}-{d.year}" if rng.random() < 0.8 else f"{d.day}/{d.month} {d.year}"
    if style == "slash":
        return f"{d.day}/{d.month}/{d.year}" if rng.random() < 0.5 else f"{d.day:02d}/{d.month:02d}/{d.year}"
    if style == "dash2":
        return f"{d.day:02d}-{d.month:02d}-{d.year}"
    if style == "abbr":
        return f"{d.day}. {MONTH_ABBR[d.month - 1]} {d.year}"
    if style == "abbr2":
        return f"{d.day}. {MONTH_ABBR2[d.month - 1]} {d.year}"
    return d.isoformat()


def fmt_thousands(rng: random.Random, amount: int, sep: str) -> str:
    s = str(amount)
    if amount < 10000 and rng.random() < 0.3:
        return s
    parts: list[str] = []
    while len(s) > 3:
        parts.insert(0, s[-3:])
        s = s[:-3]
    parts.insert(0, s)
    return sep.join(parts)


def fmt_amount(rng: random.Random, kroner: int, ore: int | None) -> str:
    sep = rng.choices((".", " ", "", "."), (0.75, 0.08, 0.07, 0.1))[0]
    whole = fmt_thousands(rng, kroner, sep) if sep else str(kroner)
    if ore is not None:
        return f"{whole},{ore:02d}"
    return whole + rng.choices(("", ",00", ",-"), (0.6, 0.3, 0.1))[0]


def fmt_salary(rng: random.Random, kroner: int, ore: int | None = None) -> str:
    amount = fmt_amount(rng, kroner, ore)
    style = rng.choices(
        ("a kr.", "kr. a", "kr a", "a kr", "DKK a", "a DKK", "a kroner", "a,- kr.", "a dkk", "kr.a"),
        (0.3, 0.25, 0.05, 0.07, 0.1, 0.08, 0.08, 0.03, 0.02, 0.02),
    )[0]
    if style == "a,- kr.":
        amount = amount.removesuffix(",-").removesuffix(",00") + ",-"
        return f"{amount} kr."
    return style.replace("a", amount, 1) if style != "a dkk" else f"{amount} dkk"


def fmt_hours(rng: random.Random, hours: float) -> str:
    if hours == int(hours):
        num = str(int(hours)) if rng.random() < 0.93 else f"{int(hours)},0"
    else:
        num = f"{hours:.1f}".replace(".", ",")
    unit = rng.choices(("timer", "t", "t.", "timer", "arbejdstimer", "Timer"), (0.7, 0.08, 0.08, 0.1, 0.02, 0.02))[0]
    return f"{num} {unit}"


def fmt_percent(rng: random.Random, rate: float) -> str:
    num = str(int(rate)) if rate == int(rate) else f"{rate:.2f}".rstrip("0").replace(".", ",")
    if rate == int(rate) and rng.random() < 0.08:
        num += ",0"
    unit = rng.choices(("%", "procent", "pct.", "pct"), (0.7, 0.18, 0.1, 0.02))[0]
    sep = "" if unit == "%" and rng.random() < 0.35 else " "
    return f"{num}{sep}{unit}"


def fmt_duration(rng: random.Random, n: int, unit: str, genitive: bool = False, words: float = 0.2) -> str:
    """'3 måneder', 'tre måneders', '14 dages', '1 måned', '3 mdr.'; genitive for '... varsel' phrasing."""
    num = NUM_WORDS.get(n, str(n)) if rng.random() < words else str(n)
    if unit == "måned":
        if genitive:
            word = "måneds" if n == 1 else "måneders"
        elif rng.random() < 0.07:
            word = "mdr." if n > 1 else "md."
        else:
            word = "måned" if n == 1 else "måneder"
    elif unit == "uge":
        word = ("uges" if n == 1 else "ugers") if genitive else ("uge" if n == 1 else "uger")
    else:
        word = "dages" if genitive else ("dag" if n == 1 else "dage")
    return f"{num} {word}"


ONSETS = (
    "b",
    "d",
    "f",
    "g",
    "h",
    "j",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "bl",
    "br",
    "dr",
    "fl",
    "fr",
    "gl",
    "gr",
    "kl",
    "kr",
    "pl",
    "pr",
    "sk",
    "sl",
    "sm",
    "sn",
    "sp",
    "st",
    "str",
    "tr",
    "sv",
    "",
    "",
)
VOWELS = ("a", "e", "i", "o", "u", "y", "æ", "ø", "å", "ei", "au", "a", "e", "i", "o")
CODAS = ("", "", "n", "r", "l", "s", "t", "d", "k", "g", "m", "nd", "ng", "rt", "st", "ll", "rg", "ld", "ns", "ff")
SURNAME_ENDINGS = (
    "sen",
    "gaard",
    "holm",
    "strup",
    "bjerg",
    "lund",
    "skov",
    "bæk",
    "dal",
    "berg",
    "mann",
    "",
    "",
    "ov",
    "ić",
    "i",
    "er",
)
TITLE_ENDINGS = (
    "medarbejder",
    "assistent",
    "konsulent",
    "tekniker",
    "ingeniør",
    "leder",
    "chef",
    "udvikler",
    "mekaniker",
    "koordinator",
    "montør",
    "administrator",
    "planlægger",
    "specialist",
    "rådgiver",
)


def pseudo_word(rng: random.Random, syllables: int | None = None) -> str:
    """A pronounceable Danish-looking non-word. Entity slots and filler text both use them, so the
    model cannot learn "a word I have not seen is an entity" and must read the context."""
    n = syllables or rng.choice((1, 2, 2, 2, 3))
    return "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(n))


def pseudo_name(rng: random.Random) -> str:
    return pseudo_word(rng).capitalize()


def person_name(rng: random.Random) -> tuple[str, str]:
    """(full name, first name)."""
    first = rng.choice(DOUBLE_FIRST) if rng.random() < 0.07 else rng.choice(FIRST_NAMES)
    if rng.random() < 0.2:
        first = pseudo_name(rng)
    parts = [first]
    if rng.random() < 0.12:
        parts.append(rng.choice(FIRST_NAMES))
    if rng.random() < 0.35:
        parts.append(rng.choice(MIDDLE_NAMES) if rng.random() < 0.6 else pseudo_name(rng))
    r = rng.random()
    parts.append(rng.choice(LAST_NAMES) if r < 0.65 else pseudo_name(rng) + rng.choice(SURNAME_ENDINGS))
    if rng.random() < 0.04:
        parts[-1] = parts[-1] + "-" + rng.choice(LAST_NAMES)
    return " ".join(parts), first


def street_address(rng: random.Random, floor_prob: float = 0.3) -> tuple[str, str]:
    """(street line, 'postcode city')."""
    if rng.random() < 0.25:
        street = rng.choice(FAMOUS_STREETS)
    else:
        street = rng.choice(STREET_PREFIXES) + rng.choice(STREET_SUFFIXES)
        if rng.random() < 0.35:
            street = pseudo_name(rng) + rng.choice(STREET_SUFFIXES)
        if rng.random() < 0.05:
            street = rng.choice(LAST_NAMES) + "s " + rng.choice(("Vej", "Allé", "Gade", "Plads"))
    number = str(rng.choice((rng.randint(1, 40), rng.randint(1, 250))))
    if rng.random() < 0.1:
        number += rng.choice(("A", "B", "C", "a", "b", " A", " B"))
    line = f"{street} {number}"
    if rng.random() < floor_prob:
        floor = rng.choice(
            (
                "st.",
                "1.",
                "2.",
                "3.",
                "4.",
                "5.",
                "1. sal",
                "2. sal",
                "kl.",
                "st. tv.",
                "1. tv.",
                "2. th.",
                "3. tv.",
                "4. th.",
                "1. mf.",
                "2.tv.",
                "3.th.",
                "st.th.",
            )
        )
        if floor[-1] == "." and floor[0].isdigit() and rng.random() < 0.5 and "." not in floor[:-1]:
            floor += rng.choice((" tv.", " th.", " mf."))
        line += rng.choice((", ", " ", ", ")) + floor
    code, city = rng.choice(POSTCODES)
    if rng.random() < 0.1:
        code, city = str(rng.randint(1000, 9990)), pseudo_name(rng) + rng.choice(("", "", "rup", "sted", "by", "bro"))
    return line, f"{code} {city}"


def fmt_address(rng: random.Random, line: str, city: str, sep: str | None = None) -> str:
    if sep is None:
        sep = rng.choices((", ", " ", ",\n", "\n", ", "), (0.7, 0.08, 0.07, 0.1, 0.05))[0]
    return f"{line}{sep}{city}"


def company_name(rng: random.Random) -> tuple[str, str]:
    """(name, kind) where kind is company, public, institution or forening."""
    r = rng.random()
    if r < 0.55:
        stem = rng.choice(COMPANY_STEMS) if rng.random() < 0.55 else pseudo_name(rng)
        if rng.random() < 0.15:
            stem = (
                rng.choice(
                    (
                        "Café",
                        "Restaurant",
                        "Klinik",
                        "Tandlægerne",
                        "Salon",
                        "Butik",
                        "Hotel",
                        "Studio",
                        "Bureau",
                        "Værkstedet",
                        "Gården",
                    )
                )
                + " "
                + stem
            )
        if rng.random() < 0.1:
            stem = stem + " " + rng.choice(POSTCODES)[1]
        style = rng.random()
        if style < 0.45:
            name = f"{stem} {rng.choice(COMPANY_TRADES)} {rng.choice(LEGAL_FORMS)}"
        elif style < 0.7:
            name = f"{stem}{rng.choice(COMPANY_TRADES).lower()} {rng.choice(LEGAL_FORMS)}"
        elif style < 0.85:
            name = f"{stem} {rng.choice(LEGAL_FORMS)}"
        else:
            name = f"{rng.choice(COMPANY_TRADES)}huset {stem} {rng.choice(LEGAL_FORMS)}"
        return name, "company"
    if r < 0.68:
        last, last2 = rng.choice(LAST_NAMES), rng.choice(LAST_NAMES)
        first = rng.choice(FIRST_NAMES)
        return rng.choice(PERSON_FIRM_PATTERNS).format(last=last, last2=last2, first=first), "company"
    if r < 0.82:
        k = rng.choice(KOMMUNER)
        if k.endswith("kommune"):
            return k, "public"
        if rng.random() < 0.85:
            return (k + "s Kommune" if k[-1] not in "sx" and k in ("Frederiksberg",) else k + " Kommune"), "public"
        return rng.choice(REGIONS), "public"
    if r < 0.9:
        return rng.choice(INSTITUTIONS), "institution"
    pattern = rng.choice(FORENING_PATTERNS)
    return pattern.format(stem=rng.choice(COMPANY_STEMS), trade=rng.choice(FORENING_TRADES)), "forening"


def job_title(rng: random.Random, kind: str) -> str:
    if kind == "executive":
        return rng.choice(
            (
                "administrerende direktør",
                "adm. direktør",
                "direktør",
                "CEO",
                "CFO",
                "økonomidirektør",
                "salgsdirektør",
                "teknisk direktør",
                "koncernchef",
                "direktør for salg og marketing",
                "Chief Operating Officer",
                "COO",
                "underdirektør",
                "vicedirektør",
            )
        )
    title = rng.choice(JOB_TITLES)
    if rng.random() < 0.15:
        title = pseudo_word(rng) + rng.choice(TITLE_ENDINGS)
    if rng.random() < 0.07 and " " not in title:
        title = rng.choice(TITLE_PREFIXES) + title
    return title


# --------------------------------------------------------------------------------------------------
# Template expansion
# --------------------------------------------------------------------------------------------------

_ALT = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{([A-Za-z_0-9]+)\}")

Piece = tuple[str, str | None]  # (text, entity label or None)


def expand(rng: random.Random, template: str) -> str:
    """Resolve every ``[a|b|c]`` choice, innermost first, so alternatives can nest."""
    while True:
        m = _ALT.search(template)
        if m is None:
            return template
        template = template[: m.start()] + rng.choice(m.group(1).split("|")) + template[m.end() :]


def render(rng: random.Random, template: str, facts: dict[str, Any]) -> list[Piece]:
    """Expand choices, then split ``{SLOT}``s into entity pieces (upper-case keys) and plain text."""
    text = expand(rng, template)
    pieces: list[Piece] = []
    pos = 0
    for m in _SLOT.finditer(text):
        if m.start() > pos:
            pieces.append((text[pos : m.start()], None))
        key = m.group(1)
        value = facts[key]
        if callable(value):
            value = value()
        if key in ENTITY_KEYS:
            pieces.append((str(value), key))
        elif isinstance(value, list):
            pieces.extend(value)
        else:
            pieces.append((str(value), None))
        pos = m.end()
    if pos < len(text):
        pieces.append((text[pos:], None))
    return pieces


def assemble(pieces: Iterable[Piece]) -> Document:
    text_parts: list[str] = []
    spans: list[Span] = []
    pos = 0
    for text, label in pieces:
        if label is not None:
            spans.append(Span(label, pos, pos + len(text)))
        text_parts.append(text)
        pos += len(text)
    return Document("".join(text_parts), spans)


# --------------------------------------------------------------------------------------------------
# Facts of one employment
# --------------------------------------------------------------------------------------------------


@dataclass
class Facts:
    kind: str  # standard, fixed, hourly, parttime, public, executive
    employer: str
    employer_kind: str
    employer_line: str
    employer_city: str
    cvr: str
    employee: str
    employee_first: str
    home_line: str
    home_city: str
    title: str
    work_line: str | None
    work_city: str | None
    start: dt.date
    end: dt.date | None
    hours: float | None
    salary: str
    salary_kind: str  # month, hour, year
    old_salary: str
    pension: list[str]
    employee_notice: str | None
    employer_notice: str | None
    probation: str | None
    sign_date: dt.date
    birth: dt.date
    date_style: str
    signer: str
    signer_title: str
    manager: str
    values: dict[str, Any] = field(default_factory=dict)


def random_date(rng: random.Random, start_year: int = 2015, end_year: int = 2026) -> dt.date:
    return dt.date(rng.randint(start_year, end_year), rng.randint(1, 12), rng.randint(1, 28))


def make_facts(rng: random.Random, kind: str) -> Facts:
    employer, ekind = company_name(rng)
    if kind == "public" and ekind not in ("public", "institution"):
        employer, ekind = (
            (f"{rng.choice(KOMMUNER)} Kommune", "public")
            if rng.random() < 0.7
            else (rng.choice(INSTITUTIONS), "institution")
        )
    if kind == "executive" and ekind != "company":
        employer = f"{rng.choice(COMPANY_STEMS)} {rng.choice(COMPANY_TRADES)} {rng.choice(('A/S', 'ApS', 'A/S'))}"
        ekind = "company"
    eline, ecity = street_address(rng, 0.15)
    hline, hcity = street_address(rng, 0.45)
    employee, first = person_name(rng)
    title = job_title(rng, kind)
    if rng.random() < 0.75:
        wline, wcity = (eline, ecity) if rng.random() < 0.35 else street_address(rng, 0.2)
    else:
        wline, wcity = None, None
    # Start dates favour the 1st and 15th of a month, as real contracts do.
    start = random_date(rng)
    if rng.random() < 0.7:
        start = start.replace(day=rng.choice((1, 1, 1, 15, 1)))
    end = None
    if kind == "fixed":
        end = start + dt.timedelta(days=rng.randint(60, 900))
    hours: float | None
    if kind == "parttime":
        hours = rng.choice((10, 12, 15, 16, 18, 20, 22, 24, 25, 26, 28, 30, 30, 32, 32.5, 34, 22.5, 18.5))
    elif kind == "hourly":
        hours = rng.choice((8, 10, 15, 20, 25, 37, None))
    elif kind == "executive":
        hours = None if rng.random() < 0.6 else 37
    else:
        hours = rng.choice((37, 37, 37, 37, 37, 37.5, 40, 35, 36, 38, 39, 32))
    if kind == "hourly" or (kind in ("fixed", "parttime") and rng.random() < 0.25):
        salary_kind = "hour"
        kroner, ore = rng.randint(115, 320), rng.choice((None, 0, 25, 40, 50, 75, 10, 95, 33))
    elif kind == "executive":
        if rng.random() < 0.5:
            salary_kind, kroner, ore = "year", rng.randint(90, 300) * 10000, None
        else:
            salary_kind, kroner, ore = "month", rng.randint(70, 180) * 1000, None
    else:
        salary_kind = "month"
        kroner = rng.randint(180, 750) * 100 if rng.random() < 0.7 else rng.randint(18000, 75000)
        ore = rng.choice((None, None, None, 0, rng.randint(1, 99)))
    salary = fmt_salary(rng, kroner, ore)
    old = fmt_salary(rng, max(100, int(kroner * rng.uniform(0.85, 0.97))), ore)
    if kind == "public":
        rates = [rng.choice((15.0, 16.0, 17.1, 18.07, 13.24, 15.3, 12.0, 19.0, 17.0, 18.0, 11.0, 15.8, 16.5))]
    else:
        rates = [float(rng.choice((4, 5, 6, 7, 8, 8, 9, 10, 10, 12, 15, 7.5, 10.5, 11, 12.5)))]
    if rng.random() < 0.5:
        rates.append(float(rng.choice((2, 3, 4, 4, 5, 6, 2.5, 1.5))))
    if rng.random() < 0.12 and kind not in ("public", "executive"):
        rates = []
    pension = [fmt_percent(rng, r) for r in rates]
    er_notice: str | None
    probation: str | None
    if kind == "executive":
        emp_notice = fmt_duration(rng, rng.choice((3, 6, 6, 4)), "måned", False, 0.3)
        er_notice = fmt_duration(rng, rng.choice((6, 9, 12, 12, 18)), "måned", False, 0.3)
        probation = None
    else:
        emp_notice = (
            fmt_duration(rng, 1, "måned", False, 0.25)
            if rng.random() < 0.8
            else fmt_duration(rng, rng.choice((14, 3, 2)), rng.choice(("dag", "måned", "uge")), False, 0.2)
        )
        er_notice = (
            fmt_duration(rng, rng.choice((1, 3, 3, 4, 6, 2)), "måned", False, 0.2) if rng.random() < 0.6 else None
        )
        probation = (
            fmt_duration(rng, rng.choice((3, 3, 3, 1, 2, 6)), "måned", False, 0.35) if rng.random() < 0.7 else None
        )
    signer, _ = person_name(rng)
    manager, _ = person_name(rng)
    return Facts(
        kind=kind,
        employer=employer,
        employer_kind=ekind,
        employer_line=eline,
        employer_city=ecity,
        cvr=str(rng.randint(10000000, 45000000)),
        employee=employee,
        employee_first=first,
        home_line=hline,
        home_city=hcity,
        title=title,
        work_line=wline,
        work_city=wcity,
        start=start,
        end=end,
        hours=hours,
        salary=salary,
        salary_kind=salary_kind,
        old_salary=old,
        pension=pension,
        employee_notice=emp_notice,
        employer_notice=er_notice,
        probation=probation,
        sign_date=start - dt.timedelta(days=rng.randint(3, 120)),
        birth=random_date(rng, 1958, 2004),
        date_style=rng.choice(DATE_STYLES),
        signer=signer,
        signer_title=rng.choice(OTHER_TITLES),
        manager=manager,
    )


# --------------------------------------------------------------------------------------------------
# Clause templates. Several phrasings per fact; [a|b] alternatives multiply them compositionally.
# --------------------------------------------------------------------------------------------------

EMP_REF = "[Medarbejderen|medarbejderen|Lønmodtageren|Den ansatte|Funktionæren|Du|Medarbejder]"
CO_REF = "[Virksomheden|Selskabet|Arbejdsgiveren|Firmaet|Vi]"

TITLE_T = (
    "{emp_ref} [ansættes|er ansat|bliver ansat|ansættes hermed] [som|i stillingen som|i en stilling som] {JOB_TITLE}{title_tail}.",
    "[Stillingen|Jobbet] er [som|en stilling som] {JOB_TITLE}{title_tail}.",
    "{emp_ref} [tiltræder|overtager] stillingen som {JOB_TITLE}{title_tail}.",
    "Stillingsbetegnelsen er {JOB_TITLE}.",
    "[Din titel|Titlen] [er|vil være|bliver] {JOB_TITLE}.",
    "[Du|Medarbejderen] [skal|vil] [arbejde|fungere|indgå] som {JOB_TITLE}{title_tail}.",
    "Ansættelsen [sker|er] [i en stilling som|som] {JOB_TITLE}{title_tail}[ med de arbejdsopgaver, der naturligt hører hertil|].",
    "{emp_ref} ansættes [hermed |][på fuld tid |på deltid |]som {JOB_TITLE} hos {EMPLOYER}.",
    "{EMPLOYER} ansætter [hermed |]{EMPLOYEE} som {JOB_TITLE}{title_tail}.",
)

TITLE_TAILS = (
    "",
    "",
    "",
    "",
    " i [salgsafdelingen|økonomiafdelingen|kundeservice|vores team i {city_ref}]",
    " med reference til [direktionen|afdelingslederen|{manager}]",
    " med ansvar for [Jylland|Fyn|Sjælland|nye kunder|drift og vedligehold|indkøb]",
    " [på fuld tid|på deltid]",
    ", og arbejdsopgaverne aftales løbende",
)

WORKPLACE_T = (
    "Arbejdsstedet er [p.t. |indtil videre |]{WORKPLACE}.",
    "[Arbejdet udføres|Arbejdet skal udføres|Arbejdet vil blive udført] [primært |hovedsageligt |fra |]på [adressen |]{WORKPLACE}[, men {emp_ref_l} må påregne rejseaktivitet|].",
    "{emp_ref} [har|får] [sit|fast] [daglige |]arbejdssted [på|hos {CO_REF_l} på|på adressen] {WORKPLACE}.",
    "Tjenestestedet er {WORKPLACE}.",
    "[Du|Medarbejderen] [skal|vil] møde på {WORKPLACE}.",
    "[Arbejdsstedet|Det daglige arbejdssted] er {co_ref_l}s [afdeling|kontor|lager|butik] [på|beliggende] {WORKPLACE}.",
    "[Dit arbejdssted|Arbejdsstedet] [bliver|vil være] [vores kontor|afdelingen] [på|i] {WORKPLACE}[, dog med mulighed for hjemmearbejde|].",
    "{emp_ref} udfører arbejdet fra {institution_name}, {WORKPLACE}.",
)

START_T = (
    "Ansættelsen [tiltrædes|påbegyndes|begynder|træder i kraft|starter] [den |pr. |]{START_DATE}.",
    "Ansættelsesforholdet [begynder|påbegyndes|har virkning fra|starter] [den |pr. |]{START_DATE}.",
    "{emp_ref} tiltræder [stillingen |]den {START_DATE}.",
    "[Første arbejdsdag|Tiltrædelsesdagen|Tiltrædelsesdatoen] er [{weekday} den |den |]{START_DATE}.",
    "Ansættelsen [har virkning fra og med|gælder fra] {START_DATE}[ og er tidsubegrænset|].",
    "[Du|Medarbejderen] starter [{weekday} |]den {START_DATE}[ kl. 9.00|].",
    "{emp_ref} er ansat [med virkning |]fra [og med |]{START_DATE}.",
    "Ansættelsesdato: {START_DATE}.",
)

END_T = (
    "Ansættelsen er tidsbegrænset og ophører [uden yderligere varsel |uden opsigelse |automatisk |]den {END_DATE}.",
    "Ansættelsen [ophører|udløber|slutter] [den |med udgangen af |]{END_DATE}[ uden forudgående opsigelse|].",
    "[Ansættelsen|Kontrakten] er tidsbegrænset [til og med|frem til|indtil] {END_DATE}.",
    "Sidste arbejdsdag er {END_DATE}.",
    "Der er tale om en tidsbegrænset ansættelse, som [ophører|udløber] {END_DATE}[ grundet projektets afslutning|"
    " som følge af barselsvikariatets ophør|].",
)

PERIOD_T = (
    "Ansættelsen er tidsbegrænset [og gælder |]i perioden {START_DATE} [–|-|til] {END_DATE}.",
    "{emp_ref} ansættes [tidsbegrænset |som vikar |]fra {START_DATE} til [og med |]{END_DATE}.",
    "Ansættelsen løber fra den {START_DATE} til den {END_DATE}[, hvor den ophører uden varsel|].",
    "Vikariatet [starter|begynder] {START_DATE} og [slutter|ophører] {END_DATE}.",
)

HOURS_T = (
    "Den [normale |ugentlige |sædvanlige |]arbejdstid er {WORKING_HOURS} [om ugen|pr. uge|ugentligt|][ eksklusive frokostpause| inkl. frokost|].",
    "[Arbejdstiden|Den ugentlige arbejdstid] udgør {WORKING_HOURS}[ om ugen| pr. uge| ugentligt|][, normalt placeret mandag til fredag|].",
    "{emp_ref} [er ansat|ansættes] [på deltid |på fuld tid |]med [en ugentlig arbejdstid på|en arbejdstid på] {WORKING_HOURS}[ pr. uge| ugentligt| om ugen|].",
    "Den gennemsnitlige [ugentlige |]arbejdstid [er|udgør] {WORKING_HOURS}[ ekskl. frokostpause|][, beregnet over en periode på 4 uger| opgjort over en normperiode på 8 uger|].",
    "[Stillingen|Ansættelsen] er på {WORKING_HOURS} [om ugen|ugentligt|pr. uge].",
    "Du skal arbejde {WORKING_HOURS} [om ugen|pr. uge|ugentligt][, typisk fordelt på 4 dage|].",
    "Arbejdstiden er [fastsat til |]{WORKING_HOURS} [om ugen|pr. uge|ugentlig] i gennemsnit.",
)

EXEC_HOURS_T = (
    "Direktøren er ikke omfattet af en fast arbejdstid, men den normale arbejdstid forventes at være {WORKING_HOURS} ugentligt.",
    "Der er ikke aftalt en fast arbejdstid[, og overarbejde honoreres ikke|].",
)

SALARY_MONTH_T = (
    "[Lønnen|Den månedlige løn|Gagen|Månedslønnen|Grundlønnen|Den faste løn] [udgør|er|er fastsat til|andrager|aftales til] {SALARY}[ pr. måned| om måneden| månedligt|][ før skat| brutto|].",
    "{emp_ref} [oppebærer|modtager|får|aflønnes med] en [månedlig |fast |]løn på {SALARY}[ pr. måned| om måneden|].",
    "[Du|Medarbejderen] [får|vil få] en månedsløn på {SALARY}[, som udbetales bagud den sidste hverdag i måneden|].",
    "Lønnen er aftalt til {SALARY} [pr. måned|månedligt|om måneden][ inklusive alle tillæg| ekskl. pension|].",
    "Som vederlag for arbejdet betaler {co_ref_l} en [bruttoløn|løn] på {SALARY} pr. måned.",
    "[Din|Den] [samlede |]månedsløn [udgør|bliver|vil udgøre] [i alt |]{SALARY}[ før skat|].",
    "Den aftalte løn er {SALARY}[ pr. md.| pr. måned| månedligt][, der udbetales den sidste bankdag i hver måned|].",
    "Lønnen udbetales månedsvis bagud og udgør [ved tiltrædelsen |]{SALARY}.",
)

SALARY_HOUR_T = (
    "[Timelønnen|Lønnen|Timesatsen] [udgør|er|er fastsat til|andrager] {SALARY} pr. [time|arbejdstime|påbegyndt time][ med tillæg af feriepenge|].",
    "{emp_ref} aflønnes med [en timeløn på |]{SALARY} [i timen|pr. time|for hver arbejdet time].",
    "Du får {SALARY} i timen[, som udbetales hver 14. dag| og lønnen udbetales månedsvis bagud|].",
    "[Der betales|Lønnen er] en timeløn på {SALARY}[ inkl. tillæg| ekskl. feriegodtgørelse|].",
)

SALARY_YEAR_T = (
    "Direktørens [faste |]årsløn udgør {SALARY}[, der udbetales med 1/12 månedligt bagud|].",
    "[Gagen|Lønnen] er fastsat til {SALARY} [om året|årligt|p.a.|pr. år][ inkl. pension| ekskl. pension|].",
    "Som vederlag modtager [Direktøren|direktøren] en årlig [gage|løn|grundløn] på {SALARY}.",
)

SALARY_PUBLIC_T = (
    "Lønnen fastsættes i henhold til overenskomsten og udgør [p.t. |pt. |aktuelt |på ansættelsestidspunktet |]{SALARY} [pr. måned|om måneden|månedligt][ ({index_level})|].",
    "Du indplaceres på løntrin {lontrin} med en [samlet |]løn på {SALARY} [pr. måned|om måneden][ (inkl. tillæg)|].",
    "[Grundlønnen|Lønnen] er aftalt til løntrin {lontrin} [plus et tillæg på {bonus_amount} årligt |]svarende til {SALARY} pr. måned[ i nuværende niveau|].",
    "Din samlede månedsløn er {SALARY} inkl. tillæg[ i {index_level}|].",
)

PENSION_T = (
    "[{co_ref}|Arbejdsgiveren] indbetaler {PENSION} af [den ferieberettigede |den faste |]løn [til|som bidrag til] [en |]pensionsordning[, og medarbejderen indbetaler {PENSION2}|].",
    "[Der|Fra tiltrædelsen] [oprettes|etableres] en [arbejdsmarkedspension|pensionsordning|firmapensionsordning] i {pension_company}, hvortil {co_ref_l} indbetaler {PENSION}[ og medarbejderen {PENSION2}| og du selv {PENSION2}|] af lønnen.",
    "Pensionsbidraget udgør {PENSION}[ af den pensionsgivende løn| af lønnen|][, hvoraf {PENSION2} betales af medarbejderen| (heraf egetbidrag {PENSION2})|].",
    "Det samlede pensionsbidrag er {PENSION}[ af lønnen| af grundlønnen|], hvoraf {co_ref_l} betaler 2/3 og medarbejderen 1/3.",
    "{emp_ref} [er omfattet af|indgår i] {co_ref_l}s pensionsordning med et bidrag på {PENSION}[ fra arbejdsgiver| fra virksomheden|][ og {PENSION2} fra medarbejderen|].",
    "Pension: arbejdsgiver {PENSION}[, medarbejder {PENSION2}|].",
    "{co_ref} [indbetaler|betaler] [et pensionsbidrag svarende til |]{PENSION} [af lønnen |af den faste løn |]til [din |en |]pension[, når du har været ansat i {wait_months} måneder| efter 3 måneders ansættelse|].",
    "Der er ingen pensionsordning knyttet til stillingen.",
)

PROBATION_T = (
    "De første {PROBATION_PERIOD} af ansættelsen er prøvetid[, jf. funktionærlovens § 2, stk. 5|].",
    "[Der er|Ansættelsen har] en prøvetid på {PROBATION_PERIOD}[ fra tiltrædelsen| regnet fra første arbejdsdag|].",
    "Ansættelsen [er|starter med] [en |]prøvetid [på|i] {PROBATION_PERIOD}[. I prøvetiden kan ansættelsen opsiges med {NOTICE_PERIOD2} varsel|].",
    "Prøvetiden udgør {PROBATION_PERIOD}[, hvor ansættelsesforholdet kan opsiges med {NOTICE_PERIOD2} varsel| fra ansættelsens start|].",
    "[Du|Medarbejderen] [ansættes|er ansat] [med|på] {PROBATION_PERIOD}s prøvetid.",
    "Der gælder en prøveperiode på {PROBATION_PERIOD}.",
    "De første {PROBATION_PERIOD} [af ansættelsen |]betragtes som prøvetid[, i hvilken begge parter kan opsige ansættelsen med {NOTICE_PERIOD2} varsel|].",
)

NOTICE_T = (
    "[Opsigelse|Ansættelsesforholdet kan opsiges] [sker |]i henhold til funktionærlovens regler[, dog således at medarbejderen kan opsige med {NOTICE_EMP_G} varsel til udgangen af en måned|].",
    "[Fra|Fra arbejdsgiverens|Fra virksomhedens] side [kan ansættelsesforholdet opsiges med {NOTICE_ER_G} varsel|er opsigelsesvarslet {NOTICE_ER}][ til udgangen af en måned|]. Fra [medarbejderens|lønmodtagerens|din] side er [opsigelsesvarslet|varslet] {NOTICE_EMP}[ til en måneds udgang|].",
    "Opsigelsesvarslet er {NOTICE_ER} for [arbejdsgiveren|virksomheden] og {NOTICE_EMP} for medarbejderen[, begge til udgangen af en måned|].",
    "{emp_ref} kan opsige ansættelsen med {NOTICE_EMP_G} varsel[ til udgangen af en måned| til en måneds udgang|].",
    "[Begge parter|Parterne] kan opsige ansættelsen med {NOTICE_ER_G} varsel[ til udgangen af en måned| til den 1. i en måned|].",
    "[Arbejdsgiverens|Virksomhedens] opsigelsesvarsel følger funktionærloven: {fl_ladder}. [Medarbejderen|Du] kan opsige med {NOTICE_EMP_G} varsel til udgangen af en måned.",
    "Gensidigt opsigelsesvarsel: {NOTICE_ER}.",
    "Ansættelsen kan opsiges af begge parter med et varsel på {NOTICE_ER}[ til udgangen af en kalendermåned|].",
    "Ansættelsesforholdet kan fra [arbejdsgiverens|virksomhedens] side opsiges med [det til enhver tid gældende varsel efter funktionærloven|varsel efter funktionærlovens § 2], og fra [medarbejderens|lønmodtagerens] side med {NOTICE_EMP_G} varsel[ til fratræden ved udgangen af en måned|].",
)

EXEC_NOTICE_T = (
    "Selskabet kan opsige [direktøren|Direktøren] med {NOTICE_ER_G} varsel til udgangen af en måned. Direktøren kan opsige [sin stilling |]med {NOTICE_EMP_G} varsel[ til udgangen af en måned|].",
    "Opsigelsesvarslet er {NOTICE_ER} fra Selskabets side og {NOTICE_EMP} fra Direktørens side.",
    "Direktørkontrakten kan af Selskabet opsiges med et varsel på {NOTICE_ER} og af Direktøren med et varsel på {NOTICE_EMP}.",
)

# Paragraphs with no entities, but with the numbers, dates and names that must not be tagged.
DISTRACTOR_T = (
    "Ferie afholdes i henhold til ferieloven. {emp_ref} har ret til 5 ugers betalt ferie samt {extra_days} feriefridage om året.",
    "Under ferie udbetales løn med ferietillæg på [1 %|1,5 %|1 procent|2 %]. Ved fratræden afregnes feriegodtgørelse med 12,5 %.",
    "{emp_ref} har ret til fuld løn under sygdom. Ansættelsen kan dog opsiges med 1 måneds varsel efter 120-dages-reglen, når medarbejderen har haft 120 sygedage inden for 12 måneder.",
    "Lønnen tages op til forhandling [en gang årligt|hvert år] pr. {reg_date_short}[, første gang pr. {reg_date}|]. [Næste lønregulering sker {reg_date}.|]",
    "Lønnen reguleres [årligt |]pr. {reg_date}[ i henhold til overenskomsten|].",
    "Der ydes en årlig bonus på op til {bonus_pct} af årslønnen afhængig af opfyldelse af aftalte mål.",
    "{co_ref} stiller [mobiltelefon|bærbar computer og mobiltelefon|fri telefon og internet] til rådighed[, som beskattes efter gældende regler med kr. 3.000 årligt|].",
    "Der er frokostordning, hvor egenbetalingen på {lunch} pr. måned trækkes i lønnen.",
    "{emp_ref} er omfattet af {co_ref_l}s sundhedsforsikring. Den skattepligtige værdi udgør ca. {small_amount} om året.",
    "Der gælder en konkurrenceklausul i {clause_months} måneder efter fratræden, mod en kompensation på 60 % af lønnen.",
    "Ved fratræden efter 12, 15 eller 18 års ansættelse udbetales en fratrædelsesgodtgørelse svarende til henholdsvis 1, 2 eller 3 måneders løn, jf. funktionærlovens § 2a.",
    "{emp_ref} har tavshedspligt om alt, hvad {emp_ref_l} erfarer i forbindelse med arbejdet. Tavshedspligten gælder også efter ansættelsens ophør.",
    "[Ansættelsesforholdet|Ansættelsen] er omfattet af [lov om retsforholdet mellem arbejdsgivere og funktionærer (funktionærloven)|funktionærloven|{agreement}].",
    "{emp_ref} må ikke uden {co_ref_l}s skriftlige samtykke påtage sig andet lønnet arbejde.",
    "Overarbejde honoreres [med 50 % tillæg|efter overenskomsten|ved afspadsering|ikke særskilt, da det er indeholdt i lønnen].",
    "Kørsel i egen bil godtgøres efter statens takster, p.t. [kr. 3,81|3,79 kr.] pr. km.",
    "Der betales løn under barsel i henhold til overenskomsten, dog maksimalt i 14 uger efter fødslen.",
    "{emp_ref}s anciennitet regnes fra {old_date}.",
    "Arbejdstiden placeres normalt mandag til fredag fra kl. 8.00 til kl. 16.00 med 30 minutters frokostpause.",
    "Eventuelle tvister afgøres efter dansk ret ved Retten i {court}.",
    "{co_ref} har tegnet arbejdsskadeforsikring hos {insurer}. Policenummer {policy}.",
    "Denne kontrakt er udarbejdet i to eksemplarer, hvoraf hver part modtager ét.",
    "Medarbejderen kan efter aftale arbejde hjemme op til 2 dage om ugen.",
    "Spørgsmål om ansættelsen kan rettes til {manager} på tlf. {phone} eller e-mail {mail}.",
    "Den daglige arbejdstid er [7,4 timer|7,5 timer|8 timer] [dagligt|pr. dag], svarende til [1.924 timer|1.628 timer] årligt[ og 160,33 timer pr. måned|].",
    "Pensionsordningen træder i kraft efter [3 måneders|6 måneders|3 mdr.|9 måneders] [karens|ansættelse], og de første [3|6] måneder indbetales der ikke pension.",
    "Ud over den faste løn betales en provision på [3 %|5 %|7,5 procent|10%] af den realiserede dækningsbidrag[, dog maksimalt {small_amount} pr. kvartal|].",
    "Første lønudbetaling sker [den |]{pay_date}[, og løn udbetales herefter den sidste hverdag i måneden|].",
    "[Du udsendes|Medarbejderen udsendes] [som vikar |]til [brugervirksomheden|vores kunde] {other_company}[, hvor arbejdet udføres efter kundens anvisninger|].",
    "Stillingen er et [barselsvikariat|vikariat] for {other_person}[, som forventes at vende tilbage|].",
    "Stillingen er et fleksjob, og {kommune_name} yder løntilskud efter reglerne i lov om en aktiv beskæftigelsesindsats.",
    "Funktionærloven finder anvendelse, da arbejdstiden overstiger 8 timer om ugen.",
    "[Tilbuddet|Dette tilbud] gælder til og med {deadline}[, hvorefter det bortfalder|].",
    "[Under|I] prøvetiden og de første [6|3] måneder gives der ikke løn under sygdom ud over funktionærlovens regler.",
    "{filler}",
    "{filler} {filler}",
    "Ferieåret løber fra 1. september til 31. august, og ferie [varsles|aftales] senest [3 måneder|1 måned] før.",
    "[Medarbejderudviklingssamtale|MUS] afholdes [hvert år i {month}|én gang årligt|i {month} {year}].",
    "[Personalemødet|Introduktionsdagen|Julefrokosten] [holdes|afholdes] [den |]{any_date}[ i {CapWord}|].",
)

PENSION_COMPANIES = (
    "PFA Pension",
    "Velliv",
    "Danica Pension",
    "AP Pension",
    "PensionDanmark",
    "Industriens Pension",
    "Sampension",
    "PKA",
    "Lærernes Pension",
    "Topdanmark",
    "Skandia",
    "Nordea Liv & Pension",
)
AGREEMENTS = (
    "overenskomst mellem Dansk Industri og 3F",
    "Industriens Funktionæroverenskomst",
    "overenskomst for akademikere i kommunerne",
    "Organisationsaftale for kontorfunktionærer",
    "Detailhandelsoverenskomsten",
    "overenskomsten mellem KL og FOA",
    "Overenskomst for sygeplejersker",
    "HK/Statens overenskomst",
    "Hotel- og Restaurationsoverenskomsten",
    "Bygge- og Anlægsoverenskomsten",
)
INSURERS = ("Tryg", "Topdanmark", "Codan", "Alm. Brand", "If Skadeforsikring", "Gjensidige", "LB Forsikring")


FILLER_SUBJECTS = (
    "Du",
    "Medarbejderen",
    "Vi",
    "Teamet",
    "Afdelingen",
    "Stillingen",
    "Arbejdet",
    "Hverdagen",
    "Virksomheden",
    "Kunderne",
    "Kollegerne",
    "Ledelsen",
    "Opgaven",
    "Der",
)
FILLER_VERBS = (
    "omfatter",
    "indebærer",
    "kræver",
    "består af",
    "handler om",
    "giver mulighed for",
    "forudsætter",
    "inkluderer",
    "lægger vægt på",
    "tilbyder",
    "arbejder med",
    "har ansvar for",
    "understøtter",
    "deltager i",
    "bidrager til",
    "sørger for",
    "koordinerer",
    "udvikler",
    "planlægger",
    "håndterer",
)
FILLER_NOUNS = (
    "drift",
    "kundekontakt",
    "planlægning",
    "dokumentation",
    "kvalitetssikring",
    "rapportering",
    "budgetopfølgning",
    "vedligeholdelse",
    "undervisning",
    "rådgivning",
    "fakturering",
    "indkøb",
    "lagerstyring",
    "sagsbehandling",
    "projektledelse",
    "kommunikation",
    "markedsføring",
    "salg",
    "samarbejde",
    "udvikling",
    "opfølgning",
    "administration",
    "service",
    "pleje",
    "omsorg",
    "rengøring",
    "transport",
    "logistik",
    "ansvar",
    "fleksibilitet",
    "overblik",
    "engagement",
    "erfaring",
    "kørekort",
    "arbejdsglæde",
    "faglighed",
    "trivsel",
    "sikkerhed",
    "miljø",
    "kvalitet",
    "digitalisering",
    "analyser",
    "møder",
    "workshops",
    "vagter",
    "weekender",
    "aftenvagter",
    "nye systemer",
    "daglige opgaver",
    "mindre projekter",
    "interne processer",
    "eksterne partnere",
    "kunder i hele landet",
    "et godt arbejdsmiljø",
    "en uformel tone",
    "faglig sparring",
)
CAP_WORDS = (
    "SAP",
    "Navision",
    "Microsoft Teams",
    "Office 365",
    "Excel",
    "Outlook",
    "Jira",
    "Salesforce",
    "LinkedIn",
    "Danmark",
    "Norden",
    "Europa",
    "Jylland",
    "Fyn",
    "Sjælland",
    "København",
    "Aarhus",
    "Odense",
    "Aalborg",
    "HR",
    "IT",
    "Økonomi",
    "Kundeservice",
    "Salg",
    "Marketing",
    "Lager",
    "Produktion",
    "Kantinen",
    "Mødelokale",
    "Bygning",
    "Hus",
    "Afdeling",
    "Teams",
    "Zoom",
    "Google",
    "Bispebjerg",
    "Nordhavn",
    "Amager",
    "Vesterbro",
    "Nørrebro",
    "Frederiksberg",
    "Valby",
    "Aros",
    "Tivoli",
    "Folketinget",
)


def filler_sentence(rng: random.Random) -> str:
    """A job-description style sentence from open vocabulary (incl. non-words and capitalised terms) that
    carries no entity: text around entities must not be a closed, memorisable set."""

    def noun() -> str:
        r = rng.random()
        if r < 0.6:
            return rng.choice(FILLER_NOUNS)
        if r < 0.8:
            return pseudo_word(rng)
        return rng.choice(CAP_WORDS) if r < 0.93 else pseudo_name(rng)

    items = [noun() for _ in range(rng.randint(1, 4))]
    listed = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " og " + items[-1]
    tail = rng.choice(
        (
            "",
            "",
            f" i {rng.choice(CAP_WORDS)}",
            f" med {noun()}",
            " i det daglige",
            f" sammen med {pseudo_name(rng)}-teamet",
            " på tværs af organisationen",
        )
    )
    return f"{rng.choice(FILLER_SUBJECTS)} {rng.choice(FILLER_VERBS)} {listed}{tail}."


def fl_ladder(rng: random.Random) -> list[Piece]:
    """The funktionærlov notice ladder: durations are notice periods, seniority thresholds are not."""
    parts: list[Piece] = []
    steps = [
        ("1 måned", "indtil 5 måneders ansættelse"),
        ("3 måneder", "efter 5 måneders ansættelse"),
        ("4 måneder", "efter 2 år og 9 måneders ansættelse"),
        ("5 måneder", "efter 5 år og 8 måneders ansættelse"),
        ("6 måneder", "efter 8 år og 7 måneders ansættelse"),
    ]
    n = rng.randint(2, 5)
    for i, (dur, cond) in enumerate(steps[:n]):
        if i:
            parts.append((", " if i < n - 1 else " og ", None))
        if rng.random() < 0.5:
            parts += [(dur, "NOTICE_PERIOD"), (f" {cond}", None)]
        else:
            parts += [(f"{cond[0].upper()}{cond[1:]} ", None), (dur, "NOTICE_PERIOD")]
    return parts


# --------------------------------------------------------------------------------------------------
# Document builders
# --------------------------------------------------------------------------------------------------


class Builder:
    """Collects pieces of one document and knows the facts used to fill templates."""

    def __init__(self, rng: random.Random, facts: Facts) -> None:
        self.rng = rng
        self.f = facts
        self.pieces: list[Piece] = []
        self.values = self._values()

    def date(self, d: dt.date) -> str:
        # Mostly one style per document, as one author writes one way; sometimes mixed.
        style = self.f.date_style if self.rng.random() < 0.85 else self.rng.choice(DATE_STYLES)
        return fmt_date(self.rng, d, style)

    def _values(self) -> dict[str, Any]:
        f, rng = self.f, self.rng
        reg = f.start.replace(year=f.start.year + 1, month=rng.choice((1, 3, 4, 10)), day=1)
        work = fmt_address(rng, f.work_line, f.work_city) if f.work_line and f.work_city else None
        notices = [f.employer_notice or fmt_duration(rng, 3, "måned"), f.employee_notice or "1 måned"]
        return {
            "EMPLOYER": lambda: self.employer_mention(),
            "EMPLOYEE": f.employee,
            "JOB_TITLE": f.title,
            "WORKPLACE": work,
            "START_DATE": lambda: self.date(f.start),
            "END_DATE": lambda: self.date(f.end) if f.end else "",
            "WORKING_HOURS": lambda: fmt_hours(rng, f.hours or 37),
            "SALARY": f.salary,
            "PENSION": f.pension[0] if f.pension else "8 %",
            "PENSION2": lambda: (
                [(f.pension[1], "PENSION")]
                if len(f.pension) > 1
                else [(fmt_percent(rng, rng.choice((2, 3, 4))), "PENSION")]
            ),
            "NOTICE_PERIOD2": lambda: [(fmt_duration(rng, 14, "dag", True, 0.1), "NOTICE_PERIOD")],
            "NOTICE_ER": lambda: [(notices[0], "NOTICE_PERIOD")],
            "NOTICE_EMP": lambda: [(notices[1], "NOTICE_PERIOD")],
            "NOTICE_ER_G": lambda: [(_genitive(notices[0]), "NOTICE_PERIOD")],
            "NOTICE_EMP_G": lambda: [(_genitive(notices[1]), "NOTICE_PERIOD")],
            "PROBATION_PERIOD": f.probation or "3 måneder",
            "emp_ref": lambda: expand(rng, EMP_REF),
            "emp_ref_l": lambda: expand(rng, EMP_REF).lower(),
            "co_ref": lambda: expand(rng, CO_REF),
            # Lower-case references used mid-sentence and in genitive ("virksomhedens"), so no "vi".
            "co_ref_l": lambda: expand(rng, "[virksomheden|selskabet|arbejdsgiveren|firmaet]"),
            "CO_REF_l": lambda: expand(rng, "[virksomheden|selskabet|arbejdsgiveren]"),
            "title_tail": lambda: (
                expand(rng, rng.choice(TITLE_TAILS))
                .replace("{city_ref}", f.employer_city.split(" ", 1)[-1])
                .replace("{manager}", f.manager)
            ),
            "weekday": lambda: WEEKDAYS[f.start.weekday()],
            "institution_name": lambda: rng.choice(
                (
                    "Børnehuset Mælkebøtten",
                    "Skovbrynets Skole",
                    "Plejecenter Solhøj",
                    "afdelingen",
                    "vores hovedkontor",
                    "Bibliotekets hovedafdeling",
                    "Rådhuset",
                    "Genbrugsstationen",
                    "Sundhedshuset",
                )
            ),
            "fl_ladder": lambda: fl_ladder(rng),
            "pension_company": lambda: rng.choice(PENSION_COMPANIES),
            "wait_months": lambda: rng.choice(("3", "6", "9")),
            "reg_date": lambda: self.date(reg),
            "reg_date_short": lambda: f"1. {MONTHS[reg.month - 1]}",
            "old_date": lambda: self.date(f.start - dt.timedelta(days=rng.randint(200, 3000))),
            "bonus_pct": lambda: fmt_percent(rng, rng.choice((5, 10, 15, 20))),
            "bonus_amount": lambda: fmt_salary(rng, rng.randint(5, 40) * 1000),
            "lunch": lambda: fmt_salary(rng, rng.choice((300, 350, 400, 450, 500))),
            "small_amount": lambda: fmt_salary(rng, rng.choice((1200, 1800, 2400, 3000))),
            "clause_months": lambda: rng.choice(("6", "12", "tolv")),
            "extra_days": lambda: rng.choice(("5", "fem")),
            "agreement": lambda: rng.choice(AGREEMENTS),
            "court": lambda: rng.choice(("København", "Aarhus", "Odense", "Glostrup", "Lyngby", "Kolding")),
            "insurer": lambda: rng.choice(INSURERS),
            "policy": lambda: str(rng.randint(1000000, 99999999)),
            "manager": f.manager,
            "phone": lambda: phone(rng),
            "mail": lambda: f"{f.manager.split()[0].lower()}@{_domain(f.employer)}",
            "lontrin": lambda: str(rng.randint(15, 48)),
            "filler": lambda: filler_sentence(rng),
            "month": lambda: rng.choice(MONTHS),
            "year": lambda: str(rng.randint(2015, 2027)),
            "any_date": lambda: self.date(random_date(rng)),
            "CapWord": lambda: rng.choice(CAP_WORDS) if rng.random() < 0.6 else pseudo_name(rng),
            "pay_date": lambda: self.date(f.start.replace(day=28)),
            "deadline": lambda: self.date(f.sign_date + dt.timedelta(days=rng.randint(5, 14))),
            "other_company": lambda: company_name(rng)[0],
            "other_person": lambda: person_name(rng)[0],
            "kommune_name": lambda: f"{rng.choice(KOMMUNER)} Kommune",
            "index_level": lambda: rng.choice(
                ("31.03.2000-niveau", "aktuelt niveau", "01.10.2024-niveau", "nutidskroner")
            ),
        }

    def employer_mention(self) -> str:
        """Full legal name mostly; sometimes the short name ("Nordlys" for "Nordlys ApS"), also an EMPLOYER."""
        name = self.f.employer
        for form in LEGAL_FORMS:
            if name.endswith(" " + form) and self.rng.random() < 0.15:
                return name[: -len(form) - 1]
        return name

    def add(self, template: str, **extra: Any) -> None:
        values = self.values if not extra else {**self.values, **extra}
        self.pieces.extend(render(self.rng, template, values))

    def text(self, s: str) -> None:
        self.pieces.append((s, None))

    def ent(self, label: str, s: str) -> None:
        self.pieces.append((s, label))


def _genitive(duration: str) -> str:
    """'3 måneder' -> '3 måneders', '14 dage' -> '14 dages' for '... varsel' phrasing."""
    for a, b in (("måneder", "måneders"), ("måned", "måneds"), ("dage", "dages"), ("uger", "ugers"), ("uge", "uges")):
        if duration.endswith(a):
            return duration[: -len(a)] + b
    return duration


def _domain(employer: str) -> str:
    word = re.sub(r"[^a-zæøå]", "", employer.lower().split()[0]) or "firma"
    return word.replace("æ", "ae").replace("ø", "oe").replace("å", "aa") + ".dk"


def phone(rng: random.Random) -> str:
    digits = [rng.randint(10, 99) for _ in range(4)]
    style = rng.random()
    if style < 0.6:
        return " ".join(str(d) for d in digits)
    if style < 0.8:
        return "+45 " + " ".join(str(d) for d in digits)
    return "".join(str(d) for d in digits)


def cpr(rng: random.Random, birth: dt.date) -> str:
    base = f"{birth.day:02d}{birth.month:02d}{birth.year % 100:02d}"
    return rng.choice(
        (
            f"{base}-XXXX",
            f"{base}-xxxx",
            "xxxxxx-xxxx",
            f"{base}-{rng.randint(1000, 9999)}",
            f"{base}-****",
            "XXXXXX-XXXX",
        )
    )


def heading(rng: random.Random, n: int, title: str, style: str) -> str:
    if style == "para":
        return f"§ {n}. {title}" if rng.random() < 0.5 else f"§ {n} {title}"
    if style == "num":
        return f"{n}. {title}"
    if style == "upper":
        return f"{n}. {title.upper()}"
    if style == "plain":
        return title
    if style == "punkt":
        return f"Punkt {n}. {title}" if rng.random() < 0.5 else f"Punkt {n} – {title}"
    return f"{n}\t{title}"


def parties_block(b: Builder, style: str) -> None:
    f, rng = b.f, b.rng
    emp_name = f.employer.upper() if rng.random() < 0.08 else f.employer
    if style == "between":
        b.text(
            rng.choice(("Mellem\n\n", "Undertegnede\n\n", "Der er dags dato indgået aftale mellem\n\n", "Parter\n\n"))
        )
        b.ent("EMPLOYER", emp_name)
        b.text("\n")
        if rng.random() < 0.8:
            b.text(f"{rng.choice(('CVR-nr.', 'CVR nr.', 'CVR:', 'CVR-nr:'))} {f.cvr}\n")
        b.text(fmt_address(rng, f.employer_line, f.employer_city, "\n") + "\n")
        b.text(rng.choice(('(herefter "Virksomheden")', "(i det følgende kaldet arbejdsgiveren)", '("Selskabet")', "")))
        b.text(rng.choice(("\n\nog\n\n", "\n\nog\n\n", "\n\n- og -\n\n", "\nog\n")))
        if rng.random() < 0.08:
            b.text(rng.choice(("cand.mag. ", "cand.merc. ", "cand.jur. ", "Dr. ", "ph.d. ", "stud.polyt. ")))
        b.ent("EMPLOYEE", f.employee)
        b.text("\n")
        if rng.random() < 0.4:
            b.text(f"CPR-nr. {cpr(rng, f.birth)}\n")
        b.text(fmt_address(rng, f.home_line, f.home_city, "\n") + "\n")
        b.text(
            rng.choice(('(herefter "Medarbejderen")', "(i det følgende kaldet medarbejderen)", '("Medarbejderen")', ""))
        )
        b.text("\n\n")
        b.text(
            rng.choice(
                (
                    "er der indgået følgende ansættelsesaftale:\n\n",
                    "er indgået følgende aftale:\n\n",
                    "",
                    "om ansættelse på følgende vilkår:\n\n",
                )
            )
        )
    else:
        b.add("[Ansættelseskontrakt|Ansættelsesaftale|Aftale] [mellem|imellem] ")
        b.ent("EMPLOYER", emp_name)
        b.add(f"[, CVR-nr. {f.cvr}|][, {f.employer_line}, {f.employer_city}|] [(herefter kaldet virksomheden) |]og ")
        b.ent("EMPLOYEE", f.employee)
        b.add(
            f"[, {f.home_line}, {f.home_city}| (født {fmt_date(rng, f.birth, f.date_style)})| (CPR-nr. {cpr(rng, f.birth)})|]"
            "[ (herefter kaldet medarbejderen)|].\n\n"
        )


def signature_block(b: Builder) -> None:
    f, rng = b.f, b.rng
    place = f.employer_city.split(" ", 1)[-1]
    date = b.date(f.sign_date)
    style = rng.random()
    b.text("\n\n")
    if style < 0.35:
        b.text(f"{rng.choice(('', 'Dato: ', 'Sted og dato: '))}{place}, {rng.choice(('den ', ''))}{date}\n\n")
        b.text("For arbejdsgiveren:\t\t\tMedarbejder:\n\n____________________\t\t____________________\n")
        b.text(f"{f.signer}, {f.signer_title}\t\t")
        b.ent("EMPLOYEE", f.employee)
        b.text("\n")
    elif style < 0.7:
        b.text("For ")
        b.ent("EMPLOYER", f.employer)
        b.text(f":\n\nDato: {date}\n\n_______________________\n{f.signer}\n{f.signer_title.capitalize()}\n\n")
        b.text(
            f"Medarbejder:\n\nDato: {b.date(f.sign_date + dt.timedelta(days=rng.randint(0, 6)))}\n\n"
            "_______________________\n"
        )
        b.ent("EMPLOYEE", f.employee)
        b.text("\n")
    else:
        b.text(f"Underskrevet {rng.choice(('den ', 'd. ', ''))}{date}\n\n")
        b.text(
            f"{rng.choice(('Med venlig hilsen', 'Venlig hilsen', 'På vegne af virksomheden'))}\n\n{f.signer}\n{f.signer_title}\n"
        )
        if rng.random() < 0.6:
            b.ent("EMPLOYER", f.employer)
            b.text("\n")
        b.text(
            f"\nJeg bekræfter hermed at have modtaget og accepteret ansættelsesvilkårene.\n\nDato: {rng.choice(('________', b.date(f.sign_date)))}\n\n"
        )
        b.text("Underskrift: __________________\n")
        if rng.random() < 0.5:
            b.ent("EMPLOYEE", f.employee)
            b.text("\n")


def fact_clauses(b: Builder) -> list[tuple[str, list[str]]]:
    """(heading, templates) per clause, each template one sentence with entities."""
    f, rng = b.f, b.rng
    clauses: list[tuple[str, list[str]]] = []
    clauses.append(
        (
            rng.choice(("Stilling", "Stilling og arbejdsopgaver", "Ansættelse", "Stillingsbetegnelse")),
            [rng.choice(TITLE_T)],
        )
    )
    if f.work_line:
        clauses.append((rng.choice(("Arbejdssted", "Arbejdsplads", "Tjenestested")), [rng.choice(WORKPLACE_T)]))
    if f.end:
        clauses.append(
            (
                rng.choice(("Ansættelsesperiode", "Tiltrædelse og ophør", "Tidsbegrænsning")),
                [rng.choice(PERIOD_T)] if rng.random() < 0.5 else [rng.choice(START_T), rng.choice(END_T)],
            )
        )
    else:
        clauses.append(
            (
                rng.choice(("Tiltrædelse", "Ansættelsens begyndelse", "Tiltrædelsesdato", "Ansættelsesdato")),
                [rng.choice(START_T)],
            )
        )
    if f.kind == "executive":
        clauses.append(("Arbejdstid", [rng.choice(EXEC_HOURS_T) if f.hours else EXEC_HOURS_T[1]]))
    elif f.hours:
        clauses.append((rng.choice(("Arbejdstid", "Arbejdstid", "Arbejdstid og placering")), [rng.choice(HOURS_T)]))
    salary_t = {"hour": SALARY_HOUR_T, "year": SALARY_YEAR_T}.get(
        f.salary_kind, SALARY_PUBLIC_T if f.kind == "public" and rng.random() < 0.6 else SALARY_MONTH_T
    )
    clauses.append(
        (rng.choice(("Løn", "Løn", "Lønforhold", "Vederlag", "Gage", "Løn og lønregulering")), [rng.choice(salary_t)])
    )
    if f.pension:
        tpl = rng.choice(PENSION_T[:-1])
        clauses.append(("Pension", [tpl]))
    elif rng.random() < 0.5:
        clauses.append(("Pension", [PENSION_T[-1]]))
    if rng.random() < 0.5:
        clauses.append(
            (
                rng.choice(("Arbejdsopgaver", "Om stillingen", "Stillingens indhold")),
                ["{filler} {filler}" if rng.random() < 0.5 else "{filler}"],
            )
        )
    if f.probation:
        clauses.append(("Prøvetid", [rng.choice(PROBATION_T)]))
    if f.kind == "executive":
        clauses.append(("Opsigelse", [rng.choice(EXEC_NOTICE_T)]))
    elif f.employee_notice:
        clauses.append(
            (rng.choice(("Opsigelse", "Opsigelsesvarsel", "Opsigelse og fratræden")), [rng.choice(NOTICE_T)])
        )
    return clauses


def distractor_clauses(b: Builder, n: int) -> list[tuple[str, list[str]]]:
    rng = b.rng
    heads: tuple[str, ...] = (
        "Ferie",
        "Ferie",
        "Sygdom",
        "Lønregulering",
        "Lønregulering",
        "Bonus",
        "Personalegoder",
        "Frokostordning",
        "Sundhedsforsikring",
        "Konkurrenceklausul",
        "Fratrædelsesgodtgørelse",
        "Tavshedspligt",
        "Overenskomst",
        "Bijob",
        "Overarbejde",
        "Kørsel",
        "Barsel",
        "Anciennitet",
        "Arbejdstidens placering",
        "Tvister",
        "Forsikring",
        "Eksemplarer",
        "Hjemmearbejde",
        "Kontakt",
    )
    heads += (
        "Arbejdstid",
        "Pension",
        "Provision",
        "Lønudbetaling",
        "Udsendelse",
        "Vikariat",
        "Fleksjob",
        "Funktionærloven",
        "Tilbud",
        "Sygdom",
        "Arbejdsopgaver",
        "Om stillingen",
        "Ferie",
        "Udvikling",
        "Arrangementer",
    )
    assert len(heads) == len(DISTRACTOR_T)
    idx = rng.sample(range(len(DISTRACTOR_T)), n)
    return [(heads[min(i, len(heads) - 1)], [DISTRACTOR_T[i]]) for i in idx]


def build_contract(b: Builder) -> None:
    """Formal contract with numbered clauses in random order."""
    f, rng = b.f, b.rng
    title = rng.choice(
        (
            "ANSÆTTELSESKONTRAKT",
            "Ansættelseskontrakt",
            "ANSÆTTELSESAFTALE",
            "Ansættelsesbevis",
            "Kontrakt om ansættelse",
            "FUNKTIONÆRKONTRAKT",
            "Ansættelseskontrakt for funktionærer",
        )
    )
    if f.kind == "executive":
        title = rng.choice(("DIREKTØRKONTRAKT", "Direktørkontrakt", "Direktøraftale", "DIREKTØRAFTALE"))
    if f.kind == "fixed":
        title = rng.choice((title, "Tidsbegrænset ansættelseskontrakt", "Kontrakt om tidsbegrænset ansættelse"))
    b.text(title + "\n\n")
    parties_block(b, "between" if rng.random() < 0.7 else "inline")
    clauses = fact_clauses(b)
    clauses += distractor_clauses(b, rng.randint(1, 6))
    first, rest = clauses[:1], clauses[1:]
    rng.shuffle(rest)
    # Keep the position clause early most of the time, as contracts usually do, but not always.
    clauses = first + rest if rng.random() < 0.7 else rest[:2] + first + rest[2:]
    style = rng.choice(("para", "num", "upper", "plain", "tab", "punkt"))
    sub = rng.random() < 0.3
    for i, (head, templates) in enumerate(clauses, start=1):
        b.text(heading(rng, i, head, style) + rng.choice(("\n", "\n\n", "\n")))
        for j, tpl in enumerate(templates, start=1):
            if sub:
                b.text(f"{i}.{j} ")
            b.add(tpl)
            b.text(rng.choice((" ", "\n")) if j < len(templates) else "")
        b.text(rng.choice(("\n\n", "\n\n", "\n")))
    signature_block(b)


KV_LABELS: dict[str, tuple[str, ...]] = {
    "EMPLOYER": (
        "Arbejdsgiver",
        "Arbejdsgivers navn",
        "Virksomhed",
        "Firma",
        "Arbejdsgiver (navn)",
        "Ansættende myndighed",
    ),
    "EMPLOYEE": ("Medarbejder", "Lønmodtager", "Navn", "Medarbejderens navn", "Den ansatte", "Lønmodtagers navn"),
    "JOB_TITLE": ("Stilling", "Stillingsbetegnelse", "Titel", "Jobtitel", "Stilling/titel", "Funktion"),
    "WORKPLACE": ("Arbejdssted", "Arbejdsstedets adresse", "Tjenestested", "Arbejdsplads", "Adresse for arbejdsstedet"),
    "START_DATE": (
        "Tiltrædelsesdato",
        "Ansættelsesdato",
        "Startdato",
        "Første arbejdsdag",
        "Ansat fra",
        "Tiltrædelse",
        "Ansættelsesforholdets begyndelse",
        "Ikrafttræden",
    ),
    "END_DATE": (
        "Fratrædelsesdato",
        "Ansat til og med",
        "Slutdato",
        "Ophørsdato",
        "Ansættelsen ophører",
        "Tidsbegrænset til",
    ),
    "WORKING_HOURS": ("Ugentlig arbejdstid", "Arbejdstid", "Arbejdstid pr. uge", "Timer pr. uge", "Normal arbejdstid"),
    "SALARY": ("Løn", "Månedsløn", "Grundløn", "Gage", "Løn pr. måned", "Aftalt løn"),
    "PENSION": ("Pension", "Pensionsbidrag", "Pensionsordning", "Arbejdsgiverbidrag til pension"),
    "NOTICE_PERIOD": ("Opsigelsesvarsel", "Opsigelse", "Varsel ved opsigelse", "Opsigelsesvarsel (medarbejder)"),
    "PROBATION_PERIOD": ("Prøvetid", "Prøveperiode", "Prøvetid (måneder)"),
}


def build_kv_form(b: Builder) -> None:
    """Ansættelsesbevis as a key/value form, the layout a template-only corpus missed."""
    f, rng = b.f, b.rng
    sep_style = rng.choice((": ", ":\t", "\t", ":\n", ":  ", " .......... ", " - ", ":\t\t", " | ", "dots"))
    if sep_style == "dots":
        width = rng.randint(28, 40)
    b.text(
        rng.choice(
            (
                "ANSÆTTELSESBEVIS",
                "Ansættelsesbevis",
                "Ansættelsesbevis jf. ansættelsesbevisloven",
                "STAMOPLYSNINGER",
                "Ansættelsesvilkår",
                "Ansættelsesbevis for timelønnede",
            )
        )
        + "\n\n"
    )

    def kv(key: str, pieces: list[Piece] | None = None, plain: str | None = None) -> None:
        if sep_style.endswith("\n"):
            b.text(f"{key}:\n")
        elif sep_style == " | ":
            b.text(f"| {key} | ")
        elif sep_style == "dots":
            b.text(key + " " + "." * max(3, width - len(key)) + " ")
        else:
            b.text(key + sep_style)
        if pieces is not None:
            b.pieces.extend(pieces)
        elif plain is not None:
            b.text(plain)
        if sep_style == " | ":
            b.text(" |")
        b.text("\n" if rng.random() < 0.85 or sep_style == " | " else "\n\n")

    if sep_style == " | ":
        b.text(rng.choice(("| Felt | Værdi |\n|---|---|\n", "| Oplysning | |\n| --- | --- |\n")))

    def lab(label: str) -> str:
        return rng.choice(KV_LABELS[label])

    rows: list[Callable[[], None]] = []
    rows.append(lambda: kv(lab("EMPLOYER"), [(f.employer, "EMPLOYER")]))
    if rng.random() < 0.7:
        rows.append(lambda: kv(rng.choice(("CVR-nr.", "CVR", "CVR nummer")), plain=f.cvr))
    if rng.random() < 0.7:
        rows.append(
            lambda: kv(
                rng.choice(("Adresse", "Arbejdsgivers adresse", "Adresse (arbejdsgiver)")),
                plain=fmt_address(rng, f.employer_line, f.employer_city, rng.choice((", ", " "))),
            )
        )
    rows.append(lambda: kv(lab("EMPLOYEE"), [(f.employee, "EMPLOYEE")]))
    if rng.random() < 0.6:
        rows.append(
            lambda: kv(
                rng.choice(("Adresse", "Bopæl", "Medarbejderens adresse", "Privatadresse")),
                plain=fmt_address(rng, f.home_line, f.home_city, ", "),
            )
        )
    if rng.random() < 0.5:
        rows.append(lambda: kv(rng.choice(("CPR-nr.", "CPR", "Personnummer")), plain=cpr(rng, f.birth)))
    if rng.random() < 0.2:
        rows.append(lambda: kv(rng.choice(("Fødselsdato", "Født")), plain=fmt_date(rng, f.birth, f.date_style)))
    if rng.random() < 0.3:
        rows.append(lambda: kv(rng.choice(("Telefon", "Tlf.", "Mobil")), plain=phone(rng)))
    rows.append(lambda: kv(lab("JOB_TITLE"), [(f.title.capitalize() if rng.random() < 0.6 else f.title, "JOB_TITLE")]))
    if f.work_line and f.work_city:
        work_line, work_city = f.work_line, f.work_city
        rows.append(
            lambda: kv(
                lab("WORKPLACE"), [(fmt_address(rng, work_line, work_city, rng.choice((", ", ", ", " "))), "WORKPLACE")]
            )
        )
    rows.append(lambda: kv(lab("START_DATE"), [(b.date(f.start), "START_DATE")]))
    if f.end:
        end = f.end
        rows.append(lambda: kv(lab("END_DATE"), [(b.date(end), "END_DATE")]))
    if f.hours:
        rows.append(
            lambda: kv(
                lab("WORKING_HOURS"),
                [
                    (fmt_hours(rng, f.hours or 37), "WORKING_HOURS"),
                    (rng.choice(("", "", " pr. uge", " ugentligt", " om ugen", " (deltid)")), None),
                ],
            )
        )
    salary_key = {"hour": ("Timeløn", "Løn pr. time", "Timesats"), "year": ("Årsløn", "Årlig gage")}.get(
        f.salary_kind, KV_LABELS["SALARY"]
    )
    rows.append(
        lambda: kv(
            rng.choice(salary_key),
            [
                (f.salary, "SALARY"),
                (
                    rng.choice(
                        ("", "", " pr. måned" if f.salary_kind == "month" else " pr. time", " brutto", " + pension")
                    ),
                    None,
                ),
            ],
        )
    )
    if f.pension:

        def pension_row() -> None:
            pieces: list[Piece] = [(f.pension[0], "PENSION")]
            if len(f.pension) > 1:
                pieces += [
                    (rng.choice((" + ", " (arbejdsgiver) og ", " / ", ", egetbidrag ")), None),
                    (f.pension[1], "PENSION"),
                ]
            pieces.append((rng.choice(("", " af lønnen", " af grundlønnen", " i PFA", "")), None))
            kv(lab("PENSION"), pieces)

        rows.append(pension_row)
    if f.probation:
        rows.append(lambda: kv(lab("PROBATION_PERIOD"), [(f.probation or "", "PROBATION_PERIOD")]))
    elif rng.random() < 0.4:
        rows.append(lambda: kv(rng.choice(("Prøvetid", "Prøveperiode")), plain=rng.choice(("Ingen", "Nej", "-"))))
    if f.employee_notice:

        def notice_row() -> None:
            if f.employer_notice and rng.random() < 0.6:
                kv(
                    rng.choice(("Opsigelsesvarsel", "Opsigelse")),
                    [
                        ("Arbejdsgiver ", None),
                        (f.employer_notice or "", "NOTICE_PERIOD"),
                        (", medarbejder ", None),
                        (f.employee_notice or "", "NOTICE_PERIOD"),
                    ],
                )
            elif rng.random() < 0.5:
                kv(lab("NOTICE_PERIOD"), [(f.employee_notice or "", "NOTICE_PERIOD")])
            else:
                kv(lab("NOTICE_PERIOD"), plain="Efter funktionærloven")

        rows.append(notice_row)
    if rng.random() < 0.6:
        rows.append(lambda: kv("Ferie", plain=rng.choice(("Efter ferieloven", "5 uger + 5 feriefridage", "25 dage"))))
    if rng.random() < 0.4:
        rows.append(
            lambda: kv(rng.choice(("Overenskomst", "Overenskomstgrundlag")), plain=rng.choice((*AGREEMENTS, "Ingen")))
        )
    if rng.random() < 0.3:
        rows.append(
            lambda: kv("Lønregulering", plain=f"Næste gang {b.date(f.start.replace(year=f.start.year + 1, day=1))}")
        )
    head, body = rows[:1], rows[1:]
    if rng.random() < 0.3:
        rng.shuffle(body)
    for row in head + body:
        row()
    if rng.random() < 0.5:
        b.text("\n")
        for tpl in rng.sample(DISTRACTOR_T, rng.randint(1, 3)):
            b.add(tpl)
            b.text("\n")
    b.text(f"\n{rng.choice(('Dato', 'Udstedt', 'Udfærdiget den', 'Sted/dato'))}: {b.date(f.sign_date)}\n")
    if rng.random() < 0.6:
        signature_block(b)


def build_letter(b: Builder) -> None:
    """Offer letter or e-mail in flowing prose."""
    f, rng = b.f, b.rng
    if rng.random() < 0.5:
        b.text(f"Fra: {f.signer} <{f.signer.split()[0].lower()}@{_domain(f.employer)}>\n")
        mail = f"{f.employee_first.lower()}.{f.employee.split()[-1].lower()}@{rng.choice(('gmail.com', 'mail.dk'))}"
        if rng.random() < 0.6:
            b.text("Til: ")
            b.ent("EMPLOYEE", f.employee)
            b.text(f" <{mail}>\n")
        else:
            b.text(f"Til: {mail}\n")
        b.text(f"Dato: {rng.choice(WEEKDAYS)} {b.date(f.sign_date)} {rng.randint(7, 17)}:{rng.randint(0, 59):02d}\n")
        b.text(
            f"Emne: {rng.choice(('Tilbud om ansættelse', 'Ansættelse', 'Velkommen', 'Dit nye job', 'Jobtilbud', 'Kontrakt'))}\n\n"
        )
    else:
        b.ent("EMPLOYER", f.employer)
        b.text(f"\n{f.employer_line}\n{f.employer_city}\n")
        if rng.random() < 0.5:
            b.text(f"Tlf. {phone(rng)}\nCVR {f.cvr}\n")
        b.text("\n")
        b.ent("EMPLOYEE", f.employee)
        b.text(f"\n{f.home_line}\n{f.home_city}\n\n")
        b.text(f"{f.employer_city.split(' ', 1)[-1]}, {b.date(f.sign_date)}\n\n")
    greeting = rng.choice(("Kære", "Hej", "Kære", "Til"))
    if greeting == "Til" or rng.random() < 0.15:
        b.text(f"{greeting} ")
        b.ent("EMPLOYEE", f.employee)
        b.text("\n\n")
    else:
        b.text(f"{greeting} {f.employee_first}\n\n")
    sentences: list[str] = []
    sentences.append(
        rng.choice(
            (
                "[Vi er glade for at kunne tilbyde dig|Det glæder os at tilbyde dig|Hermed bekræftes din ansættelse i|Tak for en god samtale. Vi kan hermed tilbyde dig] [en stilling|stillingen|jobbet] som {JOB_TITLE} [hos|i] {EMPLOYER}[ med start {START_DATE}| pr. {START_DATE}| fra den {START_DATE}|].",
                "Vi bekræfter hermed, at du er ansat som {JOB_TITLE} hos {EMPLOYER}[ fra {START_DATE}|].",
                "Velkommen til {EMPLOYER}! Vi glæder os til at [se dig|byde dig velkommen|arbejde sammen med dig] som {JOB_TITLE}[ fra {START_DATE}|].",
                "Med dette brev bekræfter {EMPLOYER} aftalen om din ansættelse som {JOB_TITLE}.",
            )
        )
    )
    if "{START_DATE}" not in sentences[0] or rng.random() < 0.3:
        sentences.append(
            rng.choice(
                (
                    "Din første arbejdsdag bliver [{weekday} den |den |]{START_DATE}[, hvor du møder kl. 8.30|].",
                    "Du starter [{weekday} |]den {START_DATE}.",
                    "Ansættelsen starter {START_DATE}.",
                    "Vi forventer, at du kan starte {START_DATE}.",
                    "Startdato er {START_DATE}.",
                )
            )
        )
    if f.end:
        sentences.append(rng.choice(END_T))
    if f.work_line:
        sentences.append(
            rng.choice(
                (
                    "Du vil få arbejdssted [på|hos os på] {WORKPLACE}.",
                    "[Dit arbejdssted|Arbejdsstedet] er {WORKPLACE}.",
                    "Du skal møde ind på {WORKPLACE}[, hvor du spørger efter {manager} i receptionen|].",
                    "Arbejdet foregår [primært |]på vores [kontor|afdeling|lager] på {WORKPLACE}.",
                )
            )
        )
    if f.hours and f.kind != "executive":
        sentences.append(
            rng.choice(
                (
                    "Stillingen er på {WORKING_HOURS} [om ugen|ugentligt|pr. uge].",
                    "Din ugentlige arbejdstid bliver {WORKING_HOURS}[, og arbejdstiden ligger normalt mellem kl. 8 og 16|].",
                    "Der er tale om en [fuldtidsstilling|deltidsstilling|stilling] på {WORKING_HOURS} [om ugen|pr. uge].",
                )
            )
        )
    salary_t = {"hour": SALARY_HOUR_T, "year": SALARY_YEAR_T}.get(f.salary_kind, SALARY_MONTH_T)
    sentences.append(
        rng.choice(
            (
                "Din løn bliver {SALARY} [pr. måned|om måneden][ plus pension|]."
                if f.salary_kind == "month"
                else rng.choice(salary_t),
                "Vi kan tilbyde dig en [månedsløn|løn] på {SALARY}[, og lønnen udbetales bagud|]."
                if f.salary_kind == "month"
                else rng.choice(salary_t),
                rng.choice(salary_t),
            )
        )
    )
    if f.pension:
        sentences.append(
            rng.choice(
                (
                    "Derudover indbetaler vi {PENSION} [af din løn |]til pension[, mens du selv bidrager med {PENSION2}|].",
                    "Der er pensionsordning, hvor vi betaler {PENSION} og du betaler {PENSION2}.",
                    rng.choice(PENSION_T[:-1]),
                )
            )
        )
    if f.probation:
        sentences.append(
            rng.choice(
                (
                    "De første {PROBATION_PERIOD} er prøvetid.",
                    "Der er {PROBATION_PERIOD}s prøvetid.",
                    "Ansættelsen starter med en prøvetid på {PROBATION_PERIOD}.",
                )
            )
        )
    if f.employee_notice and rng.random() < 0.7:
        sentences.append(rng.choice(NOTICE_T))
    for tpl in rng.sample(DISTRACTOR_T, rng.randint(0, 3)):
        sentences.append(tpl)
    first, rest = sentences[:1], sentences[1:]
    rng.shuffle(rest)
    para_break = rng.random()
    bullet = rng.choice(("", "", "", "- ", "• ", "* "))
    for i, s in enumerate(first + rest):
        if bullet and i:
            b.text(bullet)
        b.add(s)
        b.text(" " if rng.random() < para_break else "\n\n")
        if i == len(sentences) - 1:
            b.text("\n\n")
    b.text(
        rng.choice(
            (
                "Vi glæder os til samarbejdet.\n\n",
                "Velkommen om bord!\n\n",
                "",
                "Skriv under og returnér en kopi af dette brev senest {d}.\n\n".replace(
                    "{d}", b.date(f.sign_date + dt.timedelta(days=7))
                ),
            )
        )
    )
    sig_sep = rng.choice(("\n", ", ", "\n", " - "))
    b.text(
        f"{rng.choice(('Med venlig hilsen', 'Venlig hilsen', 'Mvh.', 'Bedste hilsner'))}\n\n{f.signer}{sig_sep}{f.signer_title}\n"
    )
    if rng.random() < 0.7:
        b.ent("EMPLOYER", f.employer)
        b.text("\n")
    if rng.random() < 0.4:
        b.text(f"Tlf. {phone(rng)}\n")


def build_extension(b: Builder) -> None:
    """Extension of a fixed-term contract: only the new end date is an END_DATE, the old one is not."""
    f, rng = b.f, b.rng
    old_end = f.end or f.start + dt.timedelta(days=180)
    new_end = old_end + dt.timedelta(days=rng.randint(60, 400))
    b.text(rng.choice(("Forlængelse af tidsbegrænset ansættelse", "FORLÆNGELSE AF ANSÆTTELSE", "Tillæg – forlængelse")))
    b.text("\n\n")
    b.add("[Til|Kære] ")
    b.ent("EMPLOYEE", f.employee)
    b.add("\n\n[Din tidsbegrænsede ansættelse|Dit vikariat|Din ansættelse] som ")
    b.ent("JOB_TITLE", f.title)
    b.add(" hos ")
    b.ent("EMPLOYER", f.employer)
    b.add(
        f" [skulle efter aftalen ophøre|udløber efter kontrakten] den {b.date(old_end)}. "
        "[Vi har aftalt at forlænge ansættelsen|Ansættelsen forlænges hermed|Parterne er enige om at forlænge "
        "ansættelsen] [til og med|frem til|til] "
    )
    b.ent("END_DATE", b.date(new_end))
    b.add(
        ", [hvor den ophører uden yderligere varsel|hvorefter den ophører uden opsigelse|]. "
        "[Øvrige vilkår er uændrede.|Alle andre vilkår fortsætter uændret.]\n"
    )
    signature_block(b)


def build_short(b: Builder) -> None:
    """A short message or chat: few facts, informal, abbreviated."""
    f, rng = b.f, b.rng
    if rng.random() < 0.6:
        b.text("Til: ")
        b.ent("EMPLOYEE", f.employee)
        b.text(f"\nEmne: {rng.choice(('Velkommen', 'Jobbet', 'Aftale', 'Din ansættelse', 'Onboarding'))}\n\n")
        b.text(f"{rng.choice(('Hej', 'Hej', 'Kære', 'Hejsa'))} {f.employee_first}{rng.choice(('!', ',', ''))}\n\n")
    else:
        b.text(f"[{rng.randint(8, 20)}:{rng.randint(0, 59):02d}] {f.signer}: Hej ")
        b.ent("EMPLOYEE", f.employee)
        b.text("! ")
    parts = [
        "[Velkommen til|Så er det officielt - velkommen i|Tillykke med jobbet i] {EMPLOYER}[ som {JOB_TITLE}|]!",
        "Du starter [{weekday} |]{START_DATE}[ kl. 8|].",
    ]
    if "{JOB_TITLE}" not in parts[0] or rng.random() < 0.3:
        parts.append("[Du er ansat som|Stillingen er|Titel:] {JOB_TITLE}.")
    if f.work_line:
        parts.append("[Mød ind på|Adressen er|Vi ses på] {WORKPLACE}.")
    if f.hours and rng.random() < 0.8:
        parts.append("[Arbejdstid|Timer]: {WORKING_HOURS} [om ugen|pr. uge|ugentligt].")
    if rng.random() < 0.8:
        period = {"hour": "[ i timen| pr. time|]", "year": "[ om året| årligt|]"}.get(
            f.salary_kind, "[ pr. md| om måneden|]"
        )
        parts.append("[Løn|Lønnen er|Din løn bliver]: {SALARY}" + period + ".")
    if f.pension and rng.random() < 0.6:
        parts.append("Pension {PENSION}[ + {PENSION2} egetbidrag|].")
    if f.probation and rng.random() < 0.5:
        parts.append("{PROBATION_PERIOD} prøvetid.")
    if f.end:
        parts.append("[Ansættelsen slutter|Sidste dag er|Kontrakten løber til] {END_DATE}.")
    first, rest = parts[:1], parts[1:]
    rng.shuffle(rest)
    sep = rng.choice((" ", "\n", "\n- "))
    for i, part in enumerate(first + rest):
        if i:
            b.text(sep)
        b.add(part)
    b.text(f"\n\n{rng.choice(('Mvh', 'Hilsen', 'Vh', '/'))} {f.signer.split()[0]}\n")


def build_amendment(b: Builder) -> None:
    """Tillæg: new terms from a date; the old salary and earlier contract date are hard negatives."""
    f, rng = b.f, b.rng
    b.text(
        rng.choice(
            (
                "TILLÆG TIL ANSÆTTELSESKONTRAKT",
                "Tillæg til ansættelseskontrakt",
                "Allonge til ansættelsesaftale",
                "Ændring af ansættelsesvilkår",
                "Tillæg nr. 1 til ansættelsesbevis",
            )
        )
        + "\n\n"
    )
    old_contract = b.date(f.start - dt.timedelta(days=rng.randint(300, 3000)))
    b.add("[Dette tillæg er indgået|Tillægget er aftalt|Der er indgået aftale] mellem ")
    b.ent("EMPLOYER", f.employer)
    b.add(" og ")
    b.ent("EMPLOYEE", f.employee)
    b.add(f" og [supplerer|ændrer] ansættelseskontrakten af {old_contract}.\n\n")
    changes: list[str] = []
    if rng.random() < 0.85:
        changes.append(
            rng.choice(
                (
                    "Med virkning fra {START_DATE} [ændres|hæves|reguleres] [lønnen|din løn|månedslønnen] fra {old_salary} til {SALARY} pr. måned.",
                    "[Lønnen|Den månedlige løn] [ændres|forhøjes] pr. {START_DATE} til {SALARY}[ (tidligere {old_salary})|].",
                    "Din nuværende løn på {old_salary} pr. måned [hæves|ændres] til {SALARY} [med virkning fra|fra og med|pr.] {START_DATE}.",
                    "Fra {START_DATE} udgør lønnen {SALARY} [pr. måned|månedligt][, mod tidligere {old_salary}|].",
                )
            )
        )
    if f.hours and rng.random() < 0.6:
        changes.append(
            rng.choice(
                (
                    "Arbejdstiden [nedsættes|ændres|øges] fra 37 timer til {WORKING_HOURS} om ugen.",
                    "Den ugentlige arbejdstid udgør herefter {WORKING_HOURS}.",
                )
            )
        )
    if rng.random() < 0.4:
        changes.append("[Du|Medarbejderen] overgår [samtidig |]til stillingen som {JOB_TITLE}.")
    if f.pension and rng.random() < 0.4:
        changes.append("Arbejdsgiverens pensionsbidrag [forhøjes|ændres] [fra {old_pct} |]til {PENSION}.")
    if f.work_line and rng.random() < 0.4:
        changes.append("Arbejdsstedet flyttes til {WORKPLACE}.")
    if not any("{START_DATE}" in c for c in changes):
        changes.insert(0, "[Ændringerne|De nye vilkår] [har virkning fra|gælder fra|træder i kraft] {START_DATE}.")
    for i, c in enumerate(changes, start=1):
        b.text(rng.choice((f"{i}. ", "- ", "", f"§ {i} ")))
        b.add(c, old_salary=f.old_salary, old_pct=fmt_percent(rng, rng.choice((4, 5, 6))))
        b.text("\n")
    b.text(
        "\n"
        + rng.choice(
            (
                "Øvrige vilkår i ansættelseskontrakten er uændrede.",
                f"Ansættelseskontrakten af {old_contract} er i øvrigt uændret.",
                "Alle øvrige ansættelsesvilkår forbliver uændrede.",
            )
        )
        + "\n"
    )
    signature_block(b)


KINDS = ("standard", "standard", "standard", "fixed", "fixed", "hourly", "parttime", "public", "public", "executive")
LAYOUTS = ("contract", "contract", "contract", "kv", "kv", "letter", "letter", "amendment", "short", "extension")


def build_document(rng: random.Random) -> Document:
    kind = rng.choice(KINDS)
    layout = rng.choice(LAYOUTS)
    if layout == "extension" and rng.random() < 0.6:
        layout = "amendment"  # extensions are rarer than other amendments
    if layout == "extension":
        kind = "fixed"
    facts = make_facts(rng, kind)
    b = Builder(rng, facts)
    builders: dict[str, Callable[[Builder], None]] = {
        "contract": build_contract,
        "kv": build_kv_form,
        "letter": build_letter,
        "amendment": build_amendment,
        "short": build_short,
        "extension": build_extension,
    }
    builders[layout](b)
    pieces = b.pieces
    if rng.random() < 0.05:
        # PDF ligatures survive some extractors; only outside entities, where they cannot change a value.
        pieces = [(t.replace("fi", "ﬁ").replace("fl", "ﬂ") if lab is None else t, lab) for t, lab in pieces]
    doc = assemble(pieces)
    if layout == "letter" and rng.random() < 0.2:
        doc = quoted_reply(rng, doc, facts)
    doc.kind = f"{layout}/{kind}"
    return apply_noise(rng, doc, facts)


def prefix_lines(doc: Document, prefix: str) -> Document:
    """Put `prefix` in front of every line (e-mail quoting), moving spans with their characters."""
    out: list[str] = [prefix]
    new_pos = [0] * len(doc.text)
    n = len(prefix)
    for i, ch in enumerate(doc.text):
        new_pos[i] = n
        out.append(ch)
        n += 1
        if ch == "\n":
            out.append(prefix)
            n += len(prefix)
    return _remap(doc, "".join(out), new_pos)


def quoted_reply(rng: random.Random, doc: Document, facts: Facts) -> Document:
    """The candidate's reply with the offer quoted below it."""
    b = Builder(rng, facts)
    b.add(
        "[Tak for tilbuddet|Mange tak|Hej {signer_first}], [jeg siger ja tak|jeg accepterer gerne stillingen|det lyder godt]"
        "[ og glæder mig til at starte|]. [Jeg sender den underskrevne kontrakt i morgen.|]\n\n[Venlig hilsen|Mvh.|Hilsen]\n",
        signer_first=facts.signer.split()[0],
    )
    b.ent("EMPLOYEE", facts.employee)
    b.text(
        f"\n\n{rng.choice(('Den', 'På'))} {b.date(facts.sign_date)} {rng.choice(('skrev', 'kl. 10.12 skrev'))} "
        f"{facts.signer}:\n"
    )
    head = assemble(b.pieces)
    quoted = prefix_lines(doc, "> ")
    shift = len(head.text)
    return Document(
        head.text + quoted.text, head.spans + [Span(sp.label, sp.start + shift, sp.end + shift) for sp in quoted.spans]
    )


# --------------------------------------------------------------------------------------------------
# PDF-extraction noise with an offset map
# --------------------------------------------------------------------------------------------------


def _remap(doc: Document, new_text: str, new_pos: list[int]) -> Document:
    """new_pos[i] is where old character i lands; spans move with their first and last characters."""
    spans = [Span(s.label, new_pos[s.start], new_pos[s.end - 1] + 1) for s in doc.spans]
    return Document(new_text, spans, doc.kind)


def _inside_span(doc: Document, pos: int) -> bool:
    return any(s.start < pos < s.end for s in doc.spans)


def hard_wrap(rng: random.Random, doc: Document, width: int, hyphenate: bool) -> Document:
    """Break lines at about `width` columns like pdftotext; maybe hyphenate long words outside entities."""
    text = doc.text
    entity_chars = bytearray(len(text))
    for s in doc.spans:
        entity_chars[s.start : s.end] = b"\x01" * (s.end - s.start)
    out: list[str] = []
    new_pos = [0] * len(text)
    col = 0
    n_out = 0
    for m in re.finditer(r"\S+|\s+", text):
        tok = m.group()
        if tok[0].isspace():
            if "\n" in tok:
                col = 0
            else:
                col += len(tok)
            for k, ch in enumerate(tok):
                new_pos[m.start() + k] = n_out
                out.append(ch)
                n_out += 1
            continue
        start = m.start()
        if col + len(tok) > width and col > 0 and out and out[-1] == " ":
            out[-1] = "\n"
            col = 0
        elif (
            hyphenate
            and col + len(tok) > width
            and len(tok) >= 9
            and tok.isalpha()
            and not any(entity_chars[start : m.end()])
            and rng.random() < 0.5
        ):
            cut = rng.randint(3, len(tok) - 3)
            for k, ch in enumerate(tok[:cut]):
                new_pos[start + k] = n_out
                out.append(ch)
                n_out += 1
            out.append("-\n")
            n_out += 2
            for k, ch in enumerate(tok[cut:]):
                new_pos[start + cut + k] = n_out
                out.append(ch)
                n_out += 1
            col = len(tok) - cut
            continue
        for k, ch in enumerate(tok):
            new_pos[start + k] = n_out
            out.append(ch)
            n_out += 1
        col += len(tok)
    return _remap(doc, "".join(out), new_pos)


def insert_page_furniture(rng: random.Random, doc: Document, facts: Facts, every: int) -> Document:
    """Page headers/footers and page numbers between lines, never inside an entity."""
    lines = doc.text.split("\n")
    n_pages = max(1, len(lines) // every + 1)
    header_style = rng.random()
    inserts: list[tuple[int, str, list[Piece]]] = []
    pos = 0
    page = 1
    for li, line in enumerate(lines):
        if li and li % every == 0 and not _inside_span(doc, pos):
            footer = rng.choice(
                (
                    f"Side {page} af {n_pages}",
                    f"- {page} -",
                    f"{page}",
                    f"Side {page}",
                    f"{page}/{n_pages}",
                    f"Initialer: ______   Side {page}",
                )
            )
            pieces: list[Piece] = [(f"\n{footer}\n\f", None)]
            if header_style < 0.4:
                pieces.append((rng.choice(("Ansættelseskontrakt – ", "Fortroligt – ", "")), None))
                pieces.append((facts.employer, "EMPLOYER"))
                pieces.append(("\n", None))
            elif header_style < 0.6:
                pieces.append((f"{facts.employer_line} · {facts.employer_city} · CVR {facts.cvr}\n", None))
            inserts.append((pos, footer, pieces))
            page += 1
        pos += len(line) + 1
    if not inserts:
        return doc
    text = doc.text
    out_pieces: list[Piece] = []
    spans_sorted = sorted(doc.spans, key=lambda s: s.start)
    # Rebuild as pieces so inserted header entities get spans too.
    cursor = 0
    cuts = [p for p, _, _ in inserts]
    boundaries = sorted({0, len(text), *cuts, *(s.start for s in spans_sorted), *(s.end for s in spans_sorted)})
    span_at = {s.start: s for s in spans_sorted}
    insert_at = {p: pieces for p, _, pieces in inserts}
    for a, b_ in itertools.pairwise(boundaries):
        if a in insert_at:
            out_pieces.extend(insert_at.pop(a))
        if a < cursor:
            continue
        s = span_at.get(a)
        if s is not None:
            out_pieces.append((text[s.start : s.end], s.label))
            cursor = s.end
        else:
            out_pieces.append((text[a:b_], None))
            cursor = b_
    new = assemble(out_pieces)
    new.kind = doc.kind
    return new


def apply_noise(rng: random.Random, doc: Document, facts: Facts) -> Document:
    r = rng.random()
    if r < 0.45:
        doc = hard_wrap(rng, doc, rng.randint(55, 100), hyphenate=rng.random() < 0.5)
    if (r < 0.45 and rng.random() < 0.6) or rng.random() < 0.1:
        doc = insert_page_furniture(rng, doc, facts, rng.randint(25, 50))
    if rng.random() < 0.08:
        # Hanging indentation: continuation lines start with spaces.
        doc = prefix_lines(doc, " " * rng.randint(2, 6))
    if rng.random() < 0.15:
        # Extra spaces and stray trailing blanks, as some PDF extractors produce.
        text = doc.text
        new_pos = list(range(len(text)))
        out: list[str] = []
        n = 0
        for i, ch in enumerate(text):
            if ch == "\n" and rng.random() < 0.3:
                out.append(" ")
                n += 1
            new_pos[i] = n
            out.append(ch)
            n += 1
        doc = _remap(doc, "".join(out), new_pos)
    return doc


# --------------------------------------------------------------------------------------------------
# Corpus and labels
# --------------------------------------------------------------------------------------------------


def generate(n: int, seed: int) -> list[Document]:
    """`n` documents, identical for the same seed."""
    rng = random.Random(seed)
    return [build_document(rng) for _ in range(n)]


_WORD = re.compile(r"\S+")


def word_labels(doc: Document) -> list[tuple[int, int, str]]:
    """(start, end, BIO label) per whitespace word, the word convention of the project's inference."""
    out: list[tuple[int, int, str]] = []
    spans = sorted(doc.spans, key=lambda s: s.start)
    for m in _WORD.finditer(doc.text):
        ws, we = m.start(), m.end()
        label = "O"
        for s in spans:
            if s.start < we and ws < s.end:
                first = ws <= s.start
                label = f"{'B' if first else 'I'}-{s.label}"
                break
        out.append((ws, we, label))
    return out


def token_labels(offsets: list[tuple[int, int]], doc: Document, bare: list[bool] | None = None) -> list[int]:
    """Label ids for tokens given their character offsets: the first token covering a word's first
    character carries the word's label; every other token is -100. `bare[i]` marks a token that is
    just "▁", which inference skips, so it must not take the word's label here either."""
    words = word_labels(doc)
    start_label = {ws: LABEL2ID[lab] for ws, _, lab in words}
    labels = [IGNORE] * len(offsets)
    seen: set[int] = set()
    for i, (a, b) in enumerate(offsets):
        if b <= a or (bare is not None and bare[i]):
            continue
        # A token covers a word start when its span contains that character; bare "▁" tokens have empty
        # or whitespace-only spans and are skipped.
        for c in range(a, b):
            if c in start_label and c not in seen:
                if doc.text[c].isspace():
                    continue
                labels[i] = start_label[c]
                seen.add(c)
                break
    return labels


if __name__ == "__main__":
    import sys

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    for d in generate(count, int(sys.argv[2]) if len(sys.argv) > 2 else 0):
        print("=" * 80, d.kind)
        print(d.text)
        print("-" * 40)
        for e in d.entities():
            print(f"  {e['label']:<17} {e['text']!r}")
