"""Clauses about everything a contract says besides its facts (bonus, car, phone, holiday pay, non-compete,
confidentiality, rights, ...), for the long dev set (`long_documents.py`). Written for this set; every
amount, percentage, date and duration in them is a hard negative under the annotation rules
(training/dev/README.md): none of them is a salary, pension, notice, probation, start or end date."""

from __future__ import annotations

DISTRACTORS: tuple[tuple[str, str], ...] = (
    (
        "Bonus",
        "Medarbejderen kan efter direktionens skøn tildeles en resultatafhængig bonus på op til 15 % af den "
        "faste årsløn. Bonussen opgøres på grundlag af det reviderede årsregnskab og udbetales senest den 30. "
        "april året efter regnskabsårets afslutning. Der opnås ikke ret til bonus for et år, hvor "
        "Medarbejderen er fratrådt eller opsagt inden udbetalingen, og en udbetalt bonus skaber ingen "
        "forventning om bonus i senere år.",
    ),
    (
        "Fri bil",
        "Til brug for arbejdet stiller virksomheden en bil af mellemklassen til rådighed, som også må "
        "anvendes privat. Bilens beskatningsgrundlag er ved aftalens indgåelse ca. 385.000 kr., og den "
        "skattepligtige værdi indberettes løbende. Brændstof til erhvervskørsel afholdes af virksomheden, "
        "mens ferieture i udlandet kræver forudgående aftale. Bilen skal tilbageleveres senest på "
        "fratrædelsesdagen, også hvis medarbejderen er fritstillet.",
    ),
    (
        "Telefon, computer og internet",
        "Der stilles mobiltelefon, bærbar computer og bredbånd til rådighed efter virksomhedens "
        "retningslinjer. Den private brug beskattes efter reglerne om multimediebeskatning, for tiden med "
        "et bundfradrag, og udstyret forbliver virksomhedens ejendom. Abonnementer over kr. 3.000 om året "
        "kræver ledelsens godkendelse. Ved fratræden afleveres udstyret i god stand sammen med alle "
        "adgangskoder.",
    ),
    (
        "Ferie og feriegodtgørelse",
        "Der optjenes og afholdes ferie efter ferieloven med 2,08 feriedage pr. måneds ansættelse. Under "
        "ferie udbetales sædvanlig løn, og der ydes et ferietillæg på 1 % af den ferieberettigede løn. Ved "
        "fratræden afregnes optjent, ikke afholdt ferie med en feriegodtgørelse på 12,5 %. Ferie skal så "
        "vidt muligt varsles med mindst 3 måneder for hovedferien og 1 måned for øvrig ferie.",
    ),
    (
        "Feriefridage",
        "Ud over ferie efter ferieloven har medarbejderen ret til 5 feriefridage pr. ferieår. Feriefridage, "
        "der ikke er afholdt ved ferieårets udløb den 31. august, bortfalder uden godtgørelse, medmindre "
        "manglende afholdelse skyldes forhold på virksomhedens side.",
    ),
    (
        "Konkurrence- og kundeklausul",
        "Medarbejderen er i 12 måneder efter fratrædelsestidspunktet bundet af en kundeklausul efter "
        "ansættelsesklausulloven og må ikke tage ansættelse hos eller på anden måde betjene kunder, som "
        "virksomheden har haft forretningsforbindelse med i de sidste 18 måneder før fratræden. Som "
        "kompensation betales 60 % af den månedlige løn på fratrædelsestidspunktet for hver måned, "
        "klausulen gælder. Klausulen kan opsiges af virksomheden med 1 måneds varsel til udgangen af en "
        "måned.",
    ),
    (
        "Tavshedspligt",
        "Medarbejderen har tavshedspligt om alt, hvad der erfares i forbindelse med arbejdet, og som efter "
        "sin natur ikke bør komme til tredjemands kendskab, herunder priser, kundelister, "
        "forretningsplaner og oplysninger om kolleger. Tavshedspligten gælder også efter ansættelsens "
        "ophør og uden tidsbegrænsning. Overtrædelse kan medføre bortvisning og erstatningsansvar.",
    ),
    (
        "Immaterielle rettigheder",
        "Alle rettigheder til materiale, software, opfindelser, tegninger og andre frembringelser, som "
        "medarbejderen skaber som led i ansættelsen, overgår uden særskilt vederlag til virksomheden, i det "
        "omfang lovgivningen tillader det. Det gælder også frembringelser skabt uden for arbejdstiden, når "
        "de knytter sig til virksomhedens forretningsområde.",
    ),
    (
        "Bijob",
        "Medarbejderen må ikke uden skriftlig tilladelse påtage sig lønnet eller ulønnet arbejde for andre, "
        "hverken i eller uden for arbejdstiden, hvis arbejdet kan komme i konflikt med stillingens pligter. "
        "Undervisning, foreningsarbejde og lignende bestyrelsesposter kræver ikke tilladelse, men skal "
        "oplyses til nærmeste leder.",
    ),
    (
        "Sygdom",
        "Ved sygdom skal medarbejderen give meddelelse til nærmeste leder hurtigst muligt og senest kl. 9.00 "
        "på første sygedag. Virksomheden kan kræve lægeerklæring for egen regning. Under sygdom udbetales "
        "fuld løn efter funktionærlovens regler. Bestemmelsen om 120 sygedage inden for 12 måneder finder "
        "ikke anvendelse.",
    ),
    (
        "Barsel og forældreorlov",
        "Under graviditets-, barsels- og forældreorlov ydes løn efter de til enhver tid gældende regler i "
        "virksomhedens personalehåndbog, dog mindst efter lovens bestemmelser. For tiden udbetales fuld løn "
        "i 4 uger før forventet fødsel, i 14 uger efter fødslen og i op til 10 ugers forældreorlov.",
    ),
    (
        "Sundhedsforsikring",
        "Medarbejderen omfattes af virksomhedens sundhedsforsikring, som dækker behandling hos "
        "fysioterapeut, kiropraktor og psykolog efter henvisning. Præmien, i 2025 ca. 2.600 kr. om året, "
        "betales af virksomheden og beskattes hos medarbejderen som personalegode.",
    ),
    (
        "Kørsel og rejser",
        "Kørsel i egen bil i virksomhedens interesse godtgøres efter statens takster, i 2025 kr. 3,81 pr. "
        "kilometer for de første 20.000 km. Rejser i udlandet aftales med nærmeste leder, og udgifter "
        "afregnes mod bilag inden 30 dage efter hjemkomst.",
    ),
    (
        "Lønregulering",
        "Lønnen tages op til forhandling én gang om året med virkning fra den 1. april, første gang den "
        "1. april 2026. Regulering sker efter en samlet vurdering af medarbejderens indsats og "
        "virksomhedens økonomi, og der er ikke aftalt en bestemt stigning.",
    ),
    (
        "Efteruddannelse",
        "Virksomheden afholder udgiften til relevant efteruddannelse efter aftale. Har kursusudgiften "
        "oversteget 25.000 kr., og fratræder medarbejderen efter eget ønske inden 24 måneder efter kurset, "
        "tilbagebetales en forholdsmæssig andel. Kursusdage regnes som arbejdstid.",
    ),
    (
        "Personalehåndbog",
        "Virksomhedens personalehåndbog, som den til enhver tid er gældende, er en del af ansættelsesvilkårene. "
        "Ved modstrid går denne aftale forud for håndbogen. Ændringer i håndbogen meddeles på intranettet med "
        "mindst 14 dages forudgående orientering.",
    ),
    (
        "Behandling af personoplysninger",
        "Virksomheden behandler oplysninger om medarbejderen, herunder CPR-nummer, kontooplysninger og "
        "fraværsregistrering, med det formål at administrere ansættelsesforholdet. Oplysningerne opbevares "
        "i op til 5 år efter fratræden og slettes derefter. Medarbejderen har ret til indsigt efter "
        "databeskyttelsesforordningen.",
    ),
    (
        "Gaver og repræsentation",
        "Medarbejderen må ikke modtage gaver eller andre fordele fra kunder eller leverandører med en værdi "
        "over 500 kr. uden at orientere nærmeste leder. Repræsentationsudgifter afholdes efter "
        "virksomhedens politik og skal dokumenteres med bilag og deltagerliste.",
    ),
    (
        "Medarbejderaktier",
        "Medarbejderen kan deltage i virksomhedens aktieprogram på de vilkår, som bestyrelsen fastsætter. "
        "Tildelte aktier optjenes over 3 år med en tredjedel om året. Deltagelse er frivillig og indgår "
        "ikke i lønnen ved beregning af pension, feriegodtgørelse eller fratrædelsesgodtgørelse.",
    ),
    (
        "Overarbejde",
        "Overarbejde kan forekomme i perioder med stor arbejdsbyrde og er forudsat honoreret gennem lønnen. "
        "Overarbejde ud over 10 timer i en måned afspadseres efter aftale med nærmeste leder inden for de "
        "følgende 3 måneder.",
    ),
    (
        "Frokostordning",
        "Medarbejderen deltager i virksomhedens frokostordning mod et månedligt løntræk på 450 kr., som "
        "reguleres ved årsskiftet. Ordningen kan fravælges skriftligt med virkning fra den følgende måned.",
    ),
    (
        "Kollektiv overenskomst",
        "Ansættelsesforholdet er ikke omfattet af en kollektiv overenskomst. Funktionærloven finder "
        "anvendelse, uanset om medarbejderen arbejder mere eller mindre end 8 timer om ugen i gennemsnit.",
    ),
    (
        "Fratrædelsesgodtgørelse",
        "Opsiges medarbejderen af virksomheden efter mere end 12 års ansættelse, ydes en "
        "fratrædelsesgodtgørelse svarende til 3 måneders løn, i tillæg til det, der følger af "
        "funktionærlovens § 2 a. Godtgørelsen forfalder på fratrædelsesdagen.",
    ),
    (
        "Lovvalg og værneting",
        "Aftalen er underlagt dansk ret. Tvister, der ikke kan løses ved forhandling, afgøres ved "
        "virksomhedens hjemting, idet parterne dog kan aftale voldgift. Aftalen er udfærdiget i to "
        "enslydende eksemplarer, hvoraf hver part modtager ét.",
    ),
)
