"""Annotated sources of the long dev set (see `build_long.py` for the mark-up). Written by hand for this
set, in styles the synthetic generator does not produce; names, companies and addresses are invented.
Evaluation data only: never train on it, never write decoding rules from it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LongDocument:
    id: str
    style: str
    source: str
    header: str = ""
    footer: str = ""
    # Documents that hold several contracts in one file (the card cannot be right for all of them).
    contracts: int = 1


DOCUMENTS: list[LongDocument] = []


def _add(id: str, style: str, source: str, header: str = "", footer: str = "", contracts: int = 1) -> None:
    DOCUMENTS.append(LongDocument(id, style, source.strip("\n"), header, footer, contracts))


_add(
    "long-001",
    "advokatkontrakt: Mellem undertegnede, OG-linje, herefter kaldet, arbejdssted ved henvisning",
    """
ANSÆTTELSESAFTALE

Mellem undertegnede

[[EMPLOYER|Hvidbjerg Maskinteknik A/S]]
CVR-nr. 29 84 11 06
[[WORKPLACE|Industrivej Nord 17, 7400 Herning]]
(herefter kaldet "Selskabet")

OG

[[EMPLOYEE|Rasmus Kjærgaard Thøgersen]]
Sønderallé 8, st. tv., 7400 Herning
(herefter kaldet "Medarbejderen")

er der dags dato indgået nedenstående aftale om ansættelse på følgende vilkår, idet Selskabet og
Medarbejderen i det følgende under ét benævnes "Parterne".

§ 1. Ansættelsesforholdets begyndelse
Medarbejderen tiltræder stillingen den [[START_DATE|1. september 2025]]. Ansættelsesforholdet er
omfattet af lov om retsforholdet mellem arbejdsgivere og funktionærer (funktionærloven), og
Medarbejderen er ikke omfattet af en kollektiv overenskomst.

§ 2. Stilling og arbejdsopgaver
Medarbejderen ansættes som [[JOB_TITLE|konstruktionsingeniør]] i Selskabets udviklingsafdeling med
reference til udviklingschefen. Arbejdsopgaverne omfatter konstruktion af maskinmoduler, beregninger,
udarbejdelse af tegningsmateriale og deltagelse i kundeprojekter fra tilbud til idriftsættelse.
Selskabet kan ændre og tilpasse arbejdsopgaverne, i det omfang ændringerne ligger inden for, hvad der
med rimelighed kan forventes af en medarbejder med Medarbejderens uddannelse og erfaring.

§ 3. Arbejdssted
Arbejdet udføres fra Selskabets til enhver tid værende adresse, for tiden som anført ovenfor. Det må
påregnes, at Medarbejderen i perioder arbejder hos kunder i ind- og udland, og at rejseaktiviteten i
enkelte måneder kan udgøre op til en fjerdedel af arbejdstiden.

§ 4. Arbejdstid
Den ugentlige arbejdstid udgør [[WORKING_HOURS|37 timer]] eksklusive frokostpause. Arbejdstiden
tilrettelægges i samarbejde med nærmeste leder, og Medarbejderen må påregne arbejde uden for normal
arbejdstid, når opgaverne kræver det. Sådant arbejde er indeholdt i lønnen.

§ 5. Løn
Den faste løn udgør [[SALARY|kr. 48.750,00]] pr. måned og udbetales bagud den sidste bankdag i måneden til
en af Medarbejderen anvist konto. Lønnen er fastsat under hensyn til, at Medarbejderen ikke modtager
særskilt betaling for overarbejde.

§ 6. Pension
Selskabet indbetaler et bidrag svarende til [[PENSION|7 %]] af den faste løn til en af Selskabet valgt
pensionsordning, og Medarbejderen indbetaler et bidrag på [[PENSION|3 %]]. Medarbejderens bidrag
tilbageholdes i lønnen. Der gælder ingen karensperiode.

<<PAGE>>
§ 7. Prøvetid
De første [[PROBATION_PERIOD|3 måneder]] af ansættelsen er prøvetid. I prøvetiden kan
ansættelsesforholdet opsiges af Selskabet med [[NOTICE_PERIOD|14 dages]] varsel og af Medarbejderen
uden varsel, jf. funktionærlovens § 2, stk. 5.

§ 8. Opsigelse
Efter prøvetidens udløb kan Selskabet opsige ansættelsesforholdet med de i funktionærlovens § 2
angivne varsler, og Medarbejderen kan opsige med [[NOTICE_PERIOD|1 måneds]] varsel til fratræden ved
udgangen af en måned. Opsigelse skal ske skriftligt.

<<D:para:9:6:0>>

<<PAGE>>
<<D:para:15:3:14>>

§ 18. Underskrift
Nærværende aftale er underskrevet i to eksemplarer.

Herning, den 12. juni 2025                        Herning, den 14. juni 2025

For Hvidbjerg Maskinteknik A/S

_____________________________                     _____________________________
Lene Bach Mogensen, adm. direktør                 Rasmus Kjærgaard Thøgersen
""",
    header="Hvidbjerg Maskinteknik A/S – Ansættelsesaftale – Fortroligt",
    footer="Side {n} af {total}",
)

_add(
    "long-002",
    "kommunalt ansættelsesbrev til timelønnet personale, underskrevet af leder",
    """
Vesterå Kommune
Børne- og Kulturforvaltningen
Rådhustorvet 1
6950 Ringsted Vest
Sagsnr. 25/08841 – Dokumentnr. 312904-25

Sagsbehandler: Louise Frandsen
Direkte tlf.: 96 74 12 58

[[EMPLOYEE|Karoline Abildgaard]]
Lærkevænget 23
6950 Ringsted Vest

Dato: 4. august 2025

Ansættelse som timelønnet pædagogmedhjælper

Kære Karoline Abildgaard

Vi har hermed fornøjelsen at bekræfte, at du er ansat i [[EMPLOYER|Vesterå Kommune]] som timelønnet
[[JOB_TITLE|pædagogmedhjælper]] i Børnehuset Solsikken med virkning fra den [[START_DATE|18. august 2025]].
Ansættelsen sker på de vilkår, der følger af overenskomst for pædagogisk personale ved dag- og
døgninstitutioner samt klubber, indgået mellem KL og FOA, og de regler, der i øvrigt gælder for
kommunens timelønnede medarbejdere.

Dit tjenestested er Børnehuset Solsikken, [[WORKPLACE|Skovbrynet 40, 6950 Ringsted Vest]]. Kommunen kan
efter behov flytte dig til en anden institution i området, hvis driften kræver det; du vil i givet
fald blive varslet i god tid.

Arbejdstid
Du er ansat som timelønnet afløser uden fast ugentlig arbejdstid. Du tilkaldes efter behov, og du
kan frit sige nej til en vagt. Arbejdstiden vil typisk ligge mellem kl. 6.30 og 17.30 på hverdage.
Den enkelte vagt er mindst 3 timer.

Løn
Din løn udgør [[SALARY|169,85 kr.]] i timen (grundbeløb pr. 1. oktober 2024 med tillæg af den til enhver
tid gældende procentregulering). Lønnen udbetales månedsvis bagud på baggrund af de timer, som din
leder har godkendt i tidsregistreringen. Du modtager lønsedlen i e-Boks.

Pension
Når du har været ansat i sammenlagt 4 måneder og er fyldt 20 år, indbetales pension efter
overenskomstens regler. Bidraget udgør [[PENSION|13,1 %]], hvoraf du selv betaler en tredjedel, til
PensionDanmark. Der er en karensperiode, som beskrevet i overenskomsten.

<<PAGE>>
Opsigelse
Da du er timelønnet og tilkaldes efter behov, ophører ansættelsen i princippet ved hver vagts
afslutning. Har du været beskæftiget i mere end 3 måneder i træk med en gennemsnitlig ugentlig
arbejdstid på mindst 8 timer, gælder de opsigelsesvarsler, der står i overenskomsten.

Ferie
Du optjener feriegodtgørelse på 12,5 % af din løn, som indbetales til Feriekonto. Du kan ikke kræve
at holde ferie med løn.

Tavshedspligt og børneattest
Som ansat i kommunen har du tavshedspligt efter forvaltningsloven og straffeloven. Kommunen har
indhentet børneattest, jf. lov om indhentelse af børneattest, og du har givet samtykke hertil.
Attesten er uden anmærkninger.

<<D:plain:0:10:3>>

Har du spørgsmål til ansættelsen, er du velkommen til at kontakte mig på telefon eller e-mail.

Vi glæder os til samarbejdet og byder dig velkommen.

Med venlig hilsen

Mette Skovgaard Hald
Institutionsleder, Børnehuset Solsikken

Kopi til: Løn- og Personaleafdelingen, FOA Midt
""",
    header="Vesterå Kommune – Sagsnr. 25/08841",
    footer="Side {n}/{total}",
)

_add(
    "long-003",
    "aftenskole (forening uden selskabsform) ansætter underviser, brev med tabel over vilkår",
    """
Folkeoplysningsforeningen Kildebakken
Skolestien 3 · 8660 Skanderborg · tlf. 86 52 19 77 · kontor@kildebakken-fof.dk

Til underviser
[[EMPLOYEE|Birgitte Lykke Jessen]]
Hørmarken 61
8660 Skanderborg

Skanderborg, den 20. juli 2025

ANSÆTTELSE SOM TIMELÆRER, SÆSON 2025/26

Bestyrelsen for [[EMPLOYER|Folkeoplysningsforeningen Kildebakken]] har den 15. juli 2025 godkendt
sæsonens holdplan, og vi kan derfor bekræfte din ansættelse som
[[JOB_TITLE|underviser i keramik]] på vilkårene nedenfor. Ansættelsen sker efter folkeoplysningsloven og
den aftale om løn- og ansættelsesvilkår for lærere ved folkeoplysende voksenundervisning, der er
indgået mellem de folkeoplysende organisationer og lærernes organisationer.

Vilkår i oversigt

Tiltrædelse ............................ [[START_DATE|1. september 2025]]
Ophør .................................. [[END_DATE|30. april 2026]] (sæsonens afslutning)
Undervisningssted ...................... Kildebakkens værksted, [[WORKPLACE|Møllegade 12, 8660 Skanderborg]]
Ugentligt timetal ...................... [[WORKING_HOURS|6 timer]] (to hold á tre lektioner)
Timeløn ................................ [[SALARY|kr. 312,40]] inkl. forberedelsestillæg
Pension ................................ ingen (under 9 timer ugentligt i gennemsnit)

Timetallet kan ændres, hvis et hold ikke opnår tilstrækkelig tilmelding. Aflyses et hold, inden det
er startet, bortfalder ansættelsen for dette hold uden varsel. Aflyses en enkelt undervisningsgang
af foreningen, betales den planlagte løn.

Lønnen udbetales den sidste hverdag i måneden for den forløbne måned på grundlag af de afholdte
lektioner, som registreres i kursussystemet. Der ydes ikke særskilt betaling for møder, medmindre
det er aftalt på forhånd.

<<PAGE>>
Opsigelse
Ansættelsen er tidsbegrænset og ophører uden opsigelse ved sæsonens afslutning. I sæsonen kan
ansættelsen opsiges af begge parter med [[NOTICE_PERIOD|1 måneds]] varsel til udgangen af en måned,
dog ikke i de sidste 4 uger af sæsonen, hvor holdene afsluttes.

Materialer og lokaler
Foreningen afholder udgiften til ler, glasur og brænding inden for holdets budget. Kursister
betaler et materialegebyr, som du opkræver efter kontorets anvisning. Værkstedet må ikke bruges til
privat produktion uden aftale med kontoret.

<<D:plain:0:11:8>>

Vi håber på en god sæson og takker for dit engagement.

På bestyrelsens vegne

Ole Rahbek Frost
Formand

Kirsten Dalsgaard
Skoleleder
""",
    header="Folkeoplysningsforeningen Kildebakken – sæson 2025/26",
    footer="Kildebakken · CVR 31 22 45 80 · side {n} af {total}",
)

_add(
    "long-004",
    "tillæg til ansættelseskontrakt med tabel over hidtidige og nye vilkår",
    """
TILLÆG NR. 2 TIL ANSÆTTELSESKONTRAKT

Parter
Arbejdsgiver: [[EMPLOYER|Søndervig Fiskeeksport ApS]], Havnevej 2, 6950 Ringkøbing (i det følgende "Selskabet")
Medarbejder: [[EMPLOYEE|Thomas Ahlmann Bisgaard]], Fyrvej 14, 6950 Ringkøbing (i det følgende "Medarbejderen")

Baggrund
Medarbejderen har været ansat i Selskabet siden den 1. februar 2019 i henhold til
ansættelseskontrakt af 14. januar 2019 og tillæg nr. 1 af 3. marts 2022. Efter Selskabets
overtagelse af pakkeriet i Hvide Sande er der mellem parterne enighed om at ændre vilkårene som
anført nedenfor. Alle øvrige vilkår i kontrakten og tillæg nr. 1 er uændrede.

Ændringerne har virkning fra den [[START_DATE|1. november 2025]].

Oversigt over ændringerne

Vilkår              | Hidtil                              | Fremover
--------------------|-------------------------------------|--------------------------------------------
Stilling            | Produktionsleder                    | [[JOB_TITLE|Driftschef]]
Arbejdssted         | Havnevej 2, 6950 Ringkøbing         | [[WORKPLACE|Nordre Havnevej 31, 6960 Hvide Sande]]
Ugentlig arbejdstid | 37 timer                            | [[WORKING_HOURS|37 timer]] (uændret)
Månedsløn           | 41.200 kr.                          | [[SALARY|47.900 kr.]]
Pension (samlet)    | 10 %                                | [[PENSION|12 %]]
Opsigelse, Selskab  | efter funktionærloven               | funktionærloven, mindst [[NOTICE_PERIOD|4 måneder]]

Uddybning
1. Som driftschef har Medarbejderen det daglige ansvar for pakkeriet i Hvide Sande, herunder
   bemanding, hygiejne, egenkontrol og samarbejdet med kvalitetsafdelingen. Medarbejderen refererer
   fortsat til direktøren.
2. Den hidtidige løn på 41.200 kr. bortfalder fra virkningstidspunktet og erstattes af den nye
   månedsløn. Det særlige funktionstillæg på 1.500 kr. pr. måned, som blev aftalt i tillæg nr. 1, er
   indeholdt i den nye løn og udbetales ikke længere særskilt.
3. Pensionsbidraget på i alt 12 % fordeles med 8 % fra Selskabet og 4 % fra Medarbejderen. Det hidtidige
   bidrag på 10 % gælder til og med lønudbetalingen for oktober 2025.
4. Som kompensation for den længere transport ydes et midlertidigt kørselstillæg på 2.000 kr. pr.
   måned til og med 31. oktober 2026. Tillægget er ikke pensionsgivende.

<<PAGE>>
5. Selskabets opsigelsesvarsel forlænges, så det uanset anciennitet udgør mindst 4 måneder til
   fratræden ved udgangen af en måned. Medarbejderens varsel er fortsat [[NOTICE_PERIOD|1 måned]].

Øvrige bestemmelser, der gentages for overblikkets skyld

<<D:num:6:10:4>>

16. Ikrafttræden
Tillægget træder i kraft ved begge parters underskrift og har virkning som anført ovenfor.

Ringkøbing, den 9. oktober 2025

For Søndervig Fiskeeksport ApS                    Medarbejderen

________________________                          ________________________
Anders Vinther, direktør                          Thomas Ahlmann Bisgaard
""",
    header="Søndervig Fiskeeksport ApS – Tillæg nr. 2",
    footer="Tillæg nr. 2 – side {n} af {total} – initialer: ____ / ____",
)

_add(
    "long-005",
    "fratrædelsesaftale med fritstilling og godtgørelse",
    """
FRATRÆDELSESAFTALE

Denne aftale er indgået mellem

[[EMPLOYER|Brønsholm Ejendomsservice A/S]], CVR-nr. 35 71 90 28, Ringvejen 118, 2630 Taastrup
(herefter "Virksomheden")

og

[[EMPLOYEE|Susanne Krogh Møller]], Agervænget 9, 2640 Hedehusene
(herefter "Medarbejderen")

1. Baggrund
1.1 Medarbejderen har været ansat i Virksomheden siden 1. maj 2014, senest som
[[JOB_TITLE|ejendomsadministrator]] i afdelingen for erhvervsejendomme.
1.2 Virksomheden har den 26. september 2025 opsagt Medarbejderen på grund af en omlægning af
administrationen. Parterne er enige om at afslutte ansættelsesforholdet på de vilkår, der følger af
denne aftale, som fuldt ud erstatter opsigelsesbrevet.

2. Fratrædelse
2.1 Opsigelsesvarslet udgør [[NOTICE_PERIOD|6 måneder]], jf. funktionærlovens § 2, stk. 2, og
Medarbejderen fratræder derfor med udgangen af marts 2026 (fratrædelsesdatoen).
2.2 Medarbejderen fritstilles fra den 1. oktober 2025. Under fritstillingen har Medarbejderen ingen
arbejdspligt, og Virksomheden kan ikke kræve arbejdskraften stillet til rådighed.

3. Løn i opsigelsesperioden
3.1 Medarbejderen oppebærer sædvanlig løn, [[SALARY|39.420,00 kr.]] om måneden, til og med
fratrædelsesdatoen, samt pensionsbidrag på [[PENSION|10,5 %]] heraf.
3.2 Medarbejderen er ikke forpligtet til at begrænse sit tab. Indtægt fra ny ansættelse i
fritstillingsperioden modregnes således ikke i lønnen efter de første 3 måneder af opsigelsesperioden,
jf. retspraksis om fritstilling af funktionærer, idet parterne udtrykkeligt har fraveget reglen.

4. Fratrædelsesgodtgørelse
4.1 Medarbejderen modtager en fratrædelsesgodtgørelse på 118.260 kr., svarende til 3 måneders løn,
jf. funktionærlovens § 2 a. Beløbet udbetales sammen med lønnen for marts 2026.
4.2 Parterne er enige om, at der herudover ikke skal betales godtgørelse af nogen art.

<<PAGE>>
5. Ferie
5.1 Optjent ferie anses for afholdt i fritstillingsperioden, i det omfang den kan rummes heri. Øvrig
ferie afregnes med feriegodtgørelse på 12,5 % ved fratræden.

6. Bonus
6.1 Medarbejderen modtager forholdsmæssig bonus for regnskabsåret 2025 beregnet efter de gældende
kriterier, dog højst 25.000 kr.

7. Aflevering
7.1 Medarbejderen afleverer nøgler, adgangskort, computer og telefon senest den 3. oktober 2025.
Mobilnummeret kan efter ønske overdrages til Medarbejderen.

8. Klausuler
8.1 Den kundeklausul, der er indeholdt i ansættelseskontraktens punkt 14, bortfalder med virkning fra
underskriften, uden at der skal betales kompensation.

9. Anbefaling
9.1 Virksomheden udsteder en skriftlig anbefaling med et indhold, som parterne har aftalt, og
henviser spørgsmål fra fremtidige arbejdsgivere til direktøren.

10. Endelig afgørelse
10.1 Med denne aftale er ethvert krav fra begge parter i anledning af ansættelsesforholdet og dets
ophør endeligt afgjort, bortset fra krav efter punkt 3 til 7.
10.2 Medarbejderen har haft lejlighed til at lade aftalen gennemgå af sin faglige organisation,
HK Privat, som Virksomheden betaler 5.000 kr. plus moms for.

Som bekræftelse af, hvad der fortsat gælder frem til fratrædelsesdatoen, gentages følgende vilkår fra
ansættelseskontrakten:

<<D:num:11:8:15>>

Taastrup, den 1. oktober 2025

For Brønsholm Ejendomsservice A/S                 Medarbejderen

Jens Peter Halling                                Susanne Krogh Møller
Administrerende direktør
""",
    header="Fratrædelsesaftale – fortrolig",
    footer="Side {n} af {total}",
)

_add(
    "long-006",
    "tosproget DA/EN skabelon, to spalter flettet linje for linje som ved PDF-udtræk",
    """
ANSÆTTELSESKONTRAKT                                EMPLOYMENT CONTRACT

1. Parterne                                        1. The parties
Arbejdsgiver:                                      Employer:
[[EMPLOYER|Kastrup Aviation Services ApS]]
Lufthavnsboulevarden 6, 2770 Kastrup
CVR-nr. 40 18 72 33                                Company reg. no. 40 18 72 33
og                                                 and
Medarbejder:                                       Employee:
[[EMPLOYEE|Daniel Oyelaran Hviid]]
Amagerbrogade 201, 4. th., 2300 København S

2. Tiltrædelse                                     2. Commencement
Ansættelsen begynder den                           The employment commences on
[[START_DATE|1. marts 2026]].                       [[START_DATE|1 March 2026]].

3. Stilling                                        3. Position
Medarbejderen ansættes som                         The Employee is employed as
[[JOB_TITLE|flymekaniker]] (B1) og skal udføre       [[JOB_TITLE|aircraft mechanic]] (B1) and shall carry
vedligeholdelse af fly i henhold til               out aircraft maintenance in accordance with
virksomhedens godkendelser.                        the company's approvals.

4. Arbejdssted                                     4. Place of work
Arbejdet udføres i virksomhedens hangar,           The work is performed in the company's hangar,
[[WORKPLACE|Hangarvej 4, 2770 Kastrup]].            [[WORKPLACE|Hangarvej 4, 2770 Kastrup]].

5. Arbejdstid                                      5. Working hours
Den ugentlige arbejdstid er                        The weekly working hours are
[[WORKING_HOURS|37 timer]] i gennemsnit over en     [[WORKING_HOURS|37 hours]] on average over a
periode på 8 uger, i skiftende                     period of 8 weeks, in rotating
vagter, herunder nat og weekend.                   shifts, including nights and weekends.

6. Løn                                             6. Salary
Den månedlige grundløn udgør                       The monthly base salary is
[[SALARY|DKK 42.300]]. Vagttillæg betales efter     [[SALARY|DKK 42,300]]. Shift allowances are paid
virksomhedens regler.                              according to the company's rules.

7. Pension                                         7. Pension
Arbejdsgiveren bidrager med [[PENSION|8 %]] og      The Employer contributes [[PENSION|8%]] and the
medarbejderen med [[PENSION|4 %]] af grundlønnen.   Employee [[PENSION|4%]] of the base salary.
<<PAGE>>
8. Prøvetid                                        8. Probation
De første [[PROBATION_PERIOD|3 måneder]] er          The first [[PROBATION_PERIOD|3 months]] are a
prøvetid.                                          probationary period.

9. Opsigelse                                       9. Termination
Arbejdsgiveren kan opsige med varsel efter         The Employer may terminate with notice under
funktionærloven. Medarbejderen kan opsige          the Salaried Employees Act. The Employee may
med [[NOTICE_PERIOD|1 måneds]] varsel til udgangen    terminate with [[NOTICE_PERIOD|one month's]] notice to the end
af en måned.                                       of a month.

10. Certifikater                                   10. Certificates
Arbejdsgiveren betaler typekurser. Fratræder       The Employer pays for type courses. If the
medarbejderen efter eget ønske inden 24            Employee resigns within 24 months, a pro rata
måneder, tilbagebetales en forholdsmæssig          share of the course cost of up to DKK
andel af kursusudgiften, højst DKK 90.000.         90,000 shall be repaid.

11. Sikkerhed                                      11. Security
Medarbejderen skal have gyldigt                    The Employee must hold a valid airport
lufthavnsid-kort og overholde reglerne for         ID card and comply with the security
sikkerhed i lufthavnen.                            rules of the airport.

12. Sprog                                          12. Language
Ved uoverensstemmelse mellem den danske og         In case of discrepancy between the Danish
den engelske tekst har den danske tekst            and the English text, the Danish text shall
forrang.                                           prevail.

<<D:num:13:7:10>>

Kastrup, 2. februar 2026                           Kastrup, 2 February 2026

For Kastrup Aviation Services ApS                  Medarbejder / Employee
Hanne Ries, Head of HR                             Daniel Oyelaran Hviid
""",
    header="Kastrup Aviation Services ApS – Employment contract / Ansættelseskontrakt",
    footer="Page {n} of {total} / Side {n} af {total}",
)

_add(
    "long-007",
    "funktionærkontrakt med gradueret opsigelsestabel efter anciennitet",
    """
Kontrakt om ansættelse

[[EMPLOYER|Lysgaard Revision Statsautoriseret Revisionspartnerselskab]] ("Revisionsfirmaet")
Banegårdspladsen 7, 5000 Odense C

ansætter herved

[[EMPLOYEE|Emil Broberg Lauritsen]] ("Medarbejderen")
Vesterbro 88, 2. tv., 5000 Odense C

Punkt 1 – Stilling og tiltrædelse
Medarbejderen ansættes som [[JOB_TITLE|revisorassistent]] med tiltrædelse den
[[START_DATE|04.08.2025]]. Stillingen indebærer deltagelse i revision og regnskabsopgaver for
Revisionsfirmaets kunder samt skatteberegninger for selskaber og personligt ejede virksomheder.
Medarbejderen er under uddannelse til statsautoriseret revisor, jf. punkt 9.

Punkt 2 – Arbejdssted
Arbejdsstedet er Revisionsfirmaets kontor, [[WORKPLACE|Banegårdspladsen 7, 5000 Odense C]]. En del af
arbejdet udføres hos kunderne på Fyn og i Trekantområdet, og transporttid til kunderne regnes som
arbejdstid.

Punkt 3 – Arbejdstid
Den normale arbejdstid er [[WORKING_HOURS|37,5 timer]] pr. uge. I perioden januar til maj må
Medarbejderen påregne længere arbejdsdage, som afspadseres i sommerperioden.

Punkt 4 – Løn
Lønnen udgør [[SALARY|33.600 kr.]] pr. måned. Ved bestået eksamen i FSR-danske revisorers
uddannelsesforløb forhøjes lønnen efter Revisionsfirmaets lønskala. Lønnen udbetales den sidste
bankdag i måneden.

Punkt 5 – Pension
Efter 3 måneders ansættelse indbetales et samlet pensionsbidrag på [[PENSION|12 %]] af lønnen, hvoraf
Medarbejderen betaler [[PENSION|4 %]].

Punkt 6 – Prøvetid
Der gælder en prøvetid på [[PROBATION_PERIOD|tre måneder]], hvor begge parter kan opsige med
[[NOTICE_PERIOD|14 dages]] varsel.

<<PAGE>>
Punkt 7 – Opsigelse
Revisionsfirmaets opsigelsesvarsel følger funktionærloven og udgør efter prøvetiden:

  Anciennitet                                   Varsel
  indtil 5 måneder                              [[NOTICE_PERIOD|1 måned]]
  indtil 2 år og 9 måneder                      [[NOTICE_PERIOD|3 måneder]]
  indtil 5 år og 8 måneder                      [[NOTICE_PERIOD|4 måneder]]
  indtil 8 år og 7 måneder                      [[NOTICE_PERIOD|5 måneder]]
  derefter                                      [[NOTICE_PERIOD|6 måneder]]

Opsigelse sker til fratræden ved udgangen af en måned. Medarbejderen kan opsige med 1 måneds varsel
til udgangen af en måned. Ansættelsen ophører uden opsigelse ved udgangen af den måned,
Medarbejderen når folkepensionsalderen.

Punkt 8 – Tilbagebetaling af uddannelsesudgifter
Revisionsfirmaet betaler kurser og eksamensgebyrer i forbindelse med revisoruddannelsen. Fratræder
Medarbejderen efter eget ønske inden 2 år efter den afsluttende eksamen, tilbagebetales en
forholdsmæssig del af udgifterne, dog højst 60.000 kr.

Punkt 9 – Uddannelse
Medarbejderen får frihed med løn til kursusdage og 10 dages eksamenslæsning pr. eksamen.

<<D:pkt:10:10:5>>

Odense, den 23. juni 2025

For Lysgaard Revision                          Som medarbejder

Pernille Skov Hammer, partner                  Emil Broberg Lauritsen
""",
    footer="Lysgaard Revision · ansættelseskontrakt · {n}/{total}",
)

_add(
    "long-008",
    "studentermedhjælperkontrakt ved universitet, parter kun i underskriftsblokken",
    """
KONTRAKT FOR STUDENTERMEDHJÆLP

Ansættelsen sker efter overenskomst for studenter i staten (Finansministeriets cirkulære om
overenskomst for studenter i staten). Overenskomsten kan ses på Medarbejder- og
Kompetencestyrelsens hjemmeside.

1. Ansættelsens art
Du ansættes som [[JOB_TITLE|studentermedhjælper]] ved Institut for Geovidenskab med
tiltrædelse [[START_DATE|15.01.2026]]. Ansættelsen er tidsbegrænset og ophører uden yderligere
varsel den [[END_DATE|14.01.2027]].

2. Arbejdsopgaver
Dine opgaver består af registrering af sedimentprøver i laboratoriets database, klargøring af
prøver til analyse, indtastning af feltdata og praktisk hjælp ved institutets ekskursioner.

3. Arbejdssted
Arbejdet udføres på instituttets laboratorium, [[WORKPLACE|Nørre Ringgade 44, 8000 Aarhus C]], bygning
1671. Ved ekskursioner aftales mødested særskilt.

4. Arbejdstid
Den gennemsnitlige arbejdstid er [[WORKING_HOURS|15 timer]] om ugen og tilrettelægges i samarbejde med
laboratorielederen under hensyn til din undervisning. I eksamensperioder kan timetallet nedsættes
efter aftale.

5. Løn
Lønnen udgør [[SALARY|157,74 kr.]] i timen inkl. tillæg (skalatrin pr. 1. april 2025) og udbetales
månedsvis bagud. Lønnen reguleres med de generelle lønstigninger i staten.

6. Pension
Der indbetales ikke pension, da ansættelsen er en studenteransættelse.

7. Opsigelse
Indtil ansættelsen ophører, kan den opsiges efter overenskomstens regler: fra universitetets side med
[[NOTICE_PERIOD|1 måneds]] varsel og fra din side med [[NOTICE_PERIOD|14 dages]] varsel.

8. Ferie
Du holder ferie efter ferieloven. Du er berettiget til 6. ferieuge efter overenskomstens regler,
dog forholdsmæssigt efter din beskæftigelsesgrad.

<<PAGE>>
9. Tavshedspligt
Du har tavshedspligt efter straffelovens §§ 152-152 f og forvaltningslovens § 27 om forhold, du får
kendskab til gennem arbejdet.

10. Arbejdsmiljø
Du skal deltage i instituttets introduktion til laboratoriesikkerhed, inden du arbejder selvstændigt
med kemikalier, og bruge de værnemidler, der er stillet til rådighed.

<<D:num:11:12:16>>

Underskrifter

For universitetet:                                 Studenten:
[[EMPLOYER|Aarhus Universitet]]                     Navn: [[EMPLOYEE|Ida Marie Lundsgaard]]
Institut for Geovidenskab                          Adresse: Tordenskjoldsgade 19, 1. sal, 8200 Aarhus N
Høegh-Guldbergs Gade 2, 8000 Aarhus C              CPR-nr.: 120603-XXXX

Dato: 8. december 2025                             Dato: ______________

_________________________                          _________________________
Torben Wiis Adamsen, institutleder                  Ida Marie Lundsgaard
""",
    header="Aarhus Universitet – Institut for Geovidenskab",
    footer="Studentermedhjælp · side {n} af {total}",
)

_add(
    "long-009",
    "direktørkontrakt (tjenesteaftale) med bonus, bil, konkurrenceklausul",
    """
DIREKTØRKONTRAKT

mellem

[[EMPLOYER|Tranekær Biobrændsel A/S]]
CVR-nr. 38 02 67 19
Kraftværksvej 21
5953 Tranekær
(i det følgende kaldet "Selskabet")

og

[[EMPLOYEE|Mikkel Søgaard Brandt]]
Slotsgade 5
5900 Rudkøbing
(i det følgende kaldet "Direktøren")

1. ANSÆTTELSE OG TILTRÆDELSE
1.1 Direktøren ansættes som [[JOB_TITLE|administrerende direktør]] for Selskabet med virkning fra
[[START_DATE|1. januar 2026]] og anmeldes som direktør til Erhvervsstyrelsen.
1.2 Direktøren er ikke funktionær, og funktionærloven finder ikke anvendelse, medmindre andet er
aftalt i denne kontrakt.
1.3 Direktøren refererer til Selskabets bestyrelse og skal følge de anvisninger og retningslinjer,
bestyrelsen giver, herunder forretningsordenen for direktionen.

2. ARBEJDSSTED OG ARBEJDSTID
2.1 Direktørens arbejdssted er Selskabets hovedkontor, [[WORKPLACE|Kraftværksvej 21, 5953 Tranekær]].
2.2 Der gælder ingen fast arbejdstid. Direktøren skal anvende den tid, stillingen kræver.

3. VEDERLAG
3.1 Den faste løn udgør [[SALARY|kr. 1.140.000]] årligt, der udbetales med en tolvtedel hver måned
bagud. Lønnen tages op til forhandling hvert år i december med virkning fra 1. januar, første gang
med virkning fra 1. januar 2027.
3.2 Selskabet indbetaler et pensionsbidrag svarende til [[PENSION|15 %]] af den faste løn til en
pensionsordning efter Direktørens valg. Direktøren kan vælge at indbetale et eget bidrag.

4. RESULTATLØN
4.1 Direktøren kan opnå en årlig resultatløn på op til 40 % af den faste løn, afhængig af opfyldelsen
af mål, som bestyrelsen fastsætter for hvert regnskabsår efter drøftelse med Direktøren.
4.2 Resultatlønnen udbetales efter generalforsamlingens godkendelse af årsrapporten.

<<PAGE>>
5. OPSIGELSE
5.1 Selskabet kan opsige kontrakten med [[NOTICE_PERIOD|12 måneders]] varsel til udgangen af en måned.
5.2 Direktøren kan opsige kontrakten med [[NOTICE_PERIOD|6 måneders]] varsel til udgangen af en måned.
5.3 Opsiges Direktøren af Selskabet, uden at Direktøren har givet grund hertil, ydes en
fratrædelsesgodtgørelse svarende til 6 måneders fast løn.

6. KONKURRENCEKLAUSUL
6.1 Direktøren må i 12 måneder efter fratrædelsen ikke tage ansættelse i eller drive virksomhed, der
konkurrerer med Selskabet i Danmark, Sverige og Nordtyskland.
6.2 Som kompensation betales 50 % af den faste løn i klausulperioden.

7. FORSIKRINGER
7.1 Selskabet tegner ledelsesansvarsforsikring med en dækning på 25 mio. kr. samt ulykkes- og
sundhedsforsikring for Direktøren.

<<D:caps:8:9:0>>

<<PAGE>>
17. UNDERSKRIFT
Kontrakten er udfærdiget i to eksemplarer.

Tranekær, den 28. november 2025

For bestyrelsen i Tranekær Biobrændsel A/S

__________________________        __________________________
Karen Holst Vinding               Peter Illum
Bestyrelsesformand                Næstformand

Direktøren

__________________________
Mikkel Søgaard Brandt
""",
    header="Direktørkontrakt – Tranekær Biobrændsel A/S – fortroligt",
    footer="Side {n} af {total}",
)

_add(
    "long-010",
    "to ansættelsesbeviser i én fil (samme arbejdsgiver, to medarbejdere på hver sin side)",
    """
ANSÆTTELSESBEVIS

Virksomhed: [[EMPLOYER|Bageriet Kornkammeret I/S]], Storegade 52, 6100 Haderslev
Medarbejder: [[EMPLOYEE|Nanna Thomsen Haahr]], Damgade 7, 6100 Haderslev

Stilling: [[JOB_TITLE|bagersvend]]
Tiltrædelsesdato: [[START_DATE|1. oktober 2025]]
Arbejdssted: bageriet, [[WORKPLACE|Storegade 52, 6100 Haderslev]]
Arbejdstid: [[WORKING_HOURS|37 timer]] om ugen, typisk fra kl. 3.00, efter vagtplan
Løn: [[SALARY|kr. 178,35]] pr. time samt tillæg for arbejde mellem kl. 22 og 6
Pension: efter overenskomsten, i alt [[PENSION|12 %]]
Opsigelse: efter overenskomsten mellem DI og 3F for bager- og konditorfaget

Medarbejderen er omfattet af overenskomsten for bagerfaget. Ferie afholdes efter ferieloven, og der
ydes feriegodtgørelse efter overenskomsten.

<<D:plain:0:10:5>>

Haderslev, den 19. september 2025

Bageriet Kornkammeret I/S                     Nanna Thomsen Haahr
v/ Lasse Kornum

<<PAGE>>
ANSÆTTELSESBEVIS

Virksomhed: Bageriet Kornkammeret I/S, Storegade 52, 6100 Haderslev
Medarbejder: [[EMPLOYEE|Jonas Elkjær Pedersen]], Ribevej 101, 6100 Haderslev

Stilling: [[JOB_TITLE|butiksassistent]]
Tiltrædelsesdato: [[START_DATE|15. oktober 2025]]
Arbejdssted: butikken, [[WORKPLACE|Jomfrustien 3, 6100 Haderslev]]
Arbejdstid: [[WORKING_HOURS|25 timer]] om ugen, fordelt på hverdage og hver anden weekend
Løn: [[SALARY|kr. 149,90]] pr. time samt weekendtillæg
Pension: efter overenskomsten, i alt [[PENSION|12 %]]
Opsigelse: efter overenskomsten for butiksansatte i bagerier

Medarbejderen er omfattet af overenskomsten for butiksansatte. Ferie afholdes efter ferieloven, og der
ydes feriegodtgørelse efter overenskomsten.

<<D:plain:0:4:12>>

Haderslev, den 2. oktober 2025

Bageriet Kornkammeret I/S                     Jonas Elkjær Pedersen
v/ Lasse Kornum
""",
    footer="Bageriet Kornkammeret I/S · side {n}",
    contracts=2,
)

_add(
    "long-011",
    "overenskomstbaseret kontrakt for faglært (elektriker) i fagforbundsskabelonens stil",
    """
Ansættelseskontrakt for faglærte – elektrikerfaget

Arbejdsgiverens navn og adresse
[[EMPLOYER|Gudenå El-Service ApS]]
Randersvej 310
8870 Langå

Lønmodtagerens navn og adresse
[[EMPLOYEE|Kristoffer Munk Damsgaard]]
Bakkevej 12
8870 Langå

Ansættelsesforholdets begyndelse: [[START_DATE|6/1-2026]]

Arbejdsstedets beliggenhed
Lønmodtageren har ikke et fast arbejdssted, men arbejder på skiftende arbejdspladser hos
virksomhedens kunder i Midtjylland. Mødested er virksomhedens værksted på adressen ovenfor, hvorfra
kørsel til arbejdsstederne sker i firmabil.

Beskrivelse af arbejdet
Lønmodtageren er ansat som [[JOB_TITLE|elektriker]] og udfører installationsarbejde i bolig og
erhverv, fejlfinding, servicebesøg og tilsyn med lærlinge.

Løn
Lønnen er aftalt til [[SALARY|kr. 214,50]] pr. time. Derudover betales tillæg efter
Elektrikeroverenskomsten, herunder genetillæg, smudstillæg og tillæg for forskudt arbejdstid.
Lønnen udbetales hver 14. dag bagud.

Pension
Der indbetales pension efter overenskomsten til PensionDanmark, for tiden [[PENSION|12,9 %]], hvoraf
arbejdsgiverens andel udgør [[PENSION|8,6 %]].

Arbejdstid
Den normale ugentlige arbejdstid er [[WORKING_HOURS|37 timer]], jf. overenskomsten. Overarbejde
betales med overenskomstens tillæg.

<<PAGE>>
Opsigelse
Opsigelse sker efter overenskomstens regler. Under de første 6 måneders ansættelse kan ansættelsen
opsiges uden varsel af begge parter. Derefter er virksomhedens varsel [[NOTICE_PERIOD|7 dage]], efter
1 års ansættelse [[NOTICE_PERIOD|14 dage]], efter 2 års ansættelse [[NOTICE_PERIOD|21 dage]] og efter
3 års ansættelse [[NOTICE_PERIOD|28 dage]]. Lønmodtagerens varsel er [[NOTICE_PERIOD|7 dage]] uanset
anciennitet.

Kollektiv overenskomst
Ansættelsesforholdet er omfattet af Elektrikeroverenskomsten mellem TEKNIQ Arbejdsgiverne og Dansk
El-Forbund.

Værktøj og arbejdstøj
Arbejdsgiveren stiller værktøj, sikkerhedsudstyr og arbejdstøj til rådighed. Lønmodtageren skal
behandle udstyret forsvarligt og aflevere det ved fratræden.

<<D:plain:0:13:19>>

Dato: 2. december 2025

Arbejdsgiver: _______________________         Lønmodtager: _______________________
              Gudenå El-Service ApS                         Kristoffer Munk Damsgaard
""",
    header="Gudenå El-Service ApS",
    footer="Side {n} af {total} – udarbejdet på baggrund af standardskabelon",
)

_add(
    "long-012",
    "ansættelsesbrev fra en region (HR-afdeling), sygehusafdeling som tjenestested",
    """
Region Vestjylland
HR og Personale
Regionshuset, Gl. Landevej 9, 7500 Holstebro

Sundhedsplejerske
[[EMPLOYEE|Anne-Sofie Hjort Kristensen]]
Kirkebakken 4
7500 Holstebro

J.nr. HR-2025-17734
Holstebro, 11. november 2025

Ansættelsesbrev

Region Vestjylland bekræfter hermed, at du er ansat i [[EMPLOYER|Region Vestjylland]] i en
stilling som [[JOB_TITLE|klinisk sygeplejespecialist]] ved Medicinsk Afdeling, Regionshospitalet
Holstebro, fra den [[START_DATE|1. januar 2026]].

Ansættelsen sker i henhold til overenskomst mellem Danske Regioner og Dansk Sygeplejeråd og den til
enhver tid gældende aftale om lokal løndannelse. Du er omfattet af regionens personalepolitik, som du
finder på intranettet.

Tjenestested
Dit tjenestested er Medicinsk Afdeling, [[WORKPLACE|Lægårdvej 12, 7500 Holstebro]]. Efter de regler, der
gælder for regionens ansatte, kan du pålægges at gøre tjeneste på regionens øvrige matrikler.

Beskæftigelsesgrad
Du er ansat på fuld tid, [[WORKING_HOURS|37 timer]] ugentligt, i dag-, aften- og weekendvagter efter
afdelingens vagtplan.

Løn
Din løn fastsættes til løntrin 8 i basisløn med et kvalifikationstillæg på 18.000 kr. årligt
(31. marts 2000-niveau) for specialuddannelse. Din samlede månedsløn vil pr. 1. januar 2026 udgøre
[[SALARY|42.987,17 kr.]] inklusive tillæg. Lønnen udbetales forud den sidste hverdag i måneden.

Pension
Regionen indbetaler pensionsbidrag på [[PENSION|13,24 %]] af den pensionsgivende løn til
PKA (Pensionskassen for Sygeplejersker og Lægesekretærer). Der er ingen egenbetaling.

<<PAGE>>
Prøvetid og opsigelse
Der er [[PROBATION_PERIOD|3 måneders]] prøvetid. Ansættelsen kan opsiges efter funktionærlovens regler.
Du kan selv opsige stillingen med [[NOTICE_PERIOD|1 måneds]] varsel til udgangen af en måned.

Ferie
Du har ret til ferie efter ferieaftalen for ansatte i regionerne og 5 særlige feriedage om året.

Tavshedspligt
Du har tavshedspligt efter sundhedsloven og straffeloven om oplysninger om patienter og pårørende.
Tavshedspligten gælder også efter ansættelsens ophør.

Røgfri arbejdstid
Regionen har røgfri arbejdstid. Rygning er ikke tilladt i arbejdstiden, heller ikke udendørs på
regionens arealer.

<<D:plain:0:12:9>>

Vi ser frem til samarbejdet og ønsker dig velkommen i Region Vestjylland.

Med venlig hilsen

Bodil Kjær Enevoldsen                             Hans Henrik Ravn
Oversygeplejerske, Medicinsk Afdeling            HR-partner
""",
    header="Region Vestjylland · J.nr. HR-2025-17734",
    footer="Region Vestjylland · www.regionvest.example · side {n} af {total}",
)

_add(
    "long-013",
    "tidsbegrænset projektansættelse i en fond (ingen selskabsform), periode og ophørsdato",
    """
[[EMPLOYER|Fonden for Kystkultur]]
Strandstræde 2
3000 Helsingør

AFTALE OM TIDSBEGRÆNSET ANSÆTTELSE (PROJEKTANSÆTTELSE)

Fonden for Kystkultur og undertegnede [[EMPLOYEE|Frederik Aagaard Nyholm]], Kongevejen 77, 3000
Helsingør, har indgået aftale om ansættelse på følgende vilkår.

1. Projekt og periode
1.1 Ansættelsen er knyttet til projektet "Havnens fortællinger", som er finansieret af en bevilling
fra en privat fond, og er tidsbegrænset til projektets periode fra den [[START_DATE|1. februar 2026]]
til den [[END_DATE|31. januar 2027]], hvor ansættelsen ophører uden opsigelse.
1.2 Forlænges bevillingen, kan ansættelsen forlænges ved skriftlig aftale. Fonden er ikke forpligtet
til at tilbyde forlængelse.

2. Stilling
2.1 Du ansættes som [[JOB_TITLE|projektmedarbejder]] med ansvar for indsamling af interviews,
registrering af genstande og formidling på udstillingen og fondens hjemmeside.

3. Arbejdssted
3.1 Arbejdet udføres på fondens kontor og i udstillingen, [[WORKPLACE|Strandstræde 2, 3000 Helsingør]],
samt ved interviews i lokalområdet.

4. Arbejdstid
4.1 Arbejdstiden er [[WORKING_HOURS|30 timer]] om ugen. Enkelte arrangementer kan ligge om aftenen
eller i weekenden og afspadseres.

5. Løn og pension
5.1 Lønnen er [[SALARY|31.150 kr.]] om måneden for 30 timer ugentligt.
5.2 Fonden indbetaler [[PENSION|10 %]] af lønnen til en pensionsordning i fondens pensionsselskab.
Der indbetales ikke bidrag fra din side.

<<PAGE>>
6. Opsigelse
6.1 Uanset den tidsbegrænsede periode kan ansættelsen opsiges efter funktionærlovens regler. Fonden kan
dog opsige med [[NOTICE_PERIOD|1 måneds]] varsel, hvis bevillingen bortfalder. Du kan opsige med
[[NOTICE_PERIOD|1 måneds]] varsel.
6.2 Der er ingen prøvetid.

7. Ophavsret
7.1 Interviews, fotos og tekster, som du frembringer i projektet, kan frit anvendes af fonden, også
efter projektets afslutning, med angivelse af dit navn, hvor det er naturligt.

<<D:num:8:14:12>>

Helsingør, den 10. januar 2026

For Fonden for Kystkultur

______________________________          ______________________________
Marianne Strøm, direktør                Frederik Aagaard Nyholm
""",
    header="Fonden for Kystkultur – projektansættelse",
    footer="{n} / {total}",
)

_add(
    "long-014",
    "brev fra en efterskole, underskrevet af forstanderen, medarbejderen tiltalt med titel",
    """
[[EMPLOYER|Kragsbjerg Efterskole]]
Skolevej 40 · 6880 Tarm · Tlf. 97 37 22 10

Kære lærer [[EMPLOYEE|Jeppe Vestergaard Holm]]
Nørregade 28
6880 Tarm

Tarm, den 5. juni 2025

Ansættelse som lærer ved Kragsbjerg Efterskole

Skolens bestyrelse har på sit møde den 3. juni 2025 godkendt din ansættelse, og det er med glæde,
at jeg hermed kan bekræfte, at du er ansat som [[JOB_TITLE|efterskolelærer]] ved Kragsbjerg Efterskole
fra [[START_DATE|1. august 2025]].

Ansættelsen sker efter organisationsaftalen for lærere m.fl. ved efterskoler, frie fagskoler og
husholdnings- og håndarbejdsskoler og den til enhver tid gældende arbejdstidsaftale. Du ansættes på
fuld tid, hvilket svarer til 1.924 timer om året.

Undervisning og opgaver
Dine primære fag bliver matematik og fysik/kemi, og du skal deltage i skolens vagtordning med
nattevagter og weekendvagter efter den planlagte turnus. Derudover er du kontaktlærer for en
gruppe elever og deltager i forældresamtaler, lejrskoler og skolens fællesarrangementer.

Arbejdsstedet er skolen, [[WORKPLACE|Skolevej 40, 6880 Tarm]].

Løn
Din løn fastsættes efter organisationsaftalen og udgør ved ansættelsen [[SALARY|36.214,56 kr.]] pr. måned
inklusive tillæg. Weekendvagter honoreres efter aftalens regler.

Pension
Der indbetales [[PENSION|17,3 %]] i pension til Lærernes Pension, hvoraf en tredjedel er dit eget
bidrag.

<<PAGE>>
Prøvetid og opsigelse
Ansættelsen er på prøve i [[PROBATION_PERIOD|3 måneder]]. Opsigelse fra skolens side sker efter
funktionærlovens regler, og du kan fratræde med [[NOTICE_PERIOD|1 måneds]] varsel til udgangen af en
måned. Skolen kan ikke opsige lærere til fratræden i perioden mellem skoleårets start og den 31.
december uden særlig grund.

Bolig
Skolen tilbyder tjenestebolig i Lærerhuset nr. 3 mod en husleje på 5.400 kr. om måneden, som trækkes i
lønnen. Boligen skal fraflyttes senest 3 måneder efter ansættelsens ophør.

Børneattest
Skolen indhenter børneattest, før du tiltræder.

<<D:plain:0:12:2>>

Jeg glæder mig til at byde dig velkommen til personalemødet den 4. august.

Med venlig hilsen

Søren Kirkegaard Laustsen
Forstander
""",
    footer="Kragsbjerg Efterskole · side {n} af {total}",
)

_add(
    "long-015",
    "ændringsbrev: forfremmelse og flytning, 'ændres fra ... til ...'",
    """
[[EMPLOYER|Nordkraft Energirådgivning A/S]]
Sluseholmen 14
2450 København SV

Personligt og fortroligt
[[EMPLOYEE|Camilla Riis Ottesen]]
Gammel Køge Landevej 250, 3. mf.
2500 Valby

København, den 18. august 2025

Ændring af dine ansættelsesvilkår

Kære Camilla

Som aftalt ved vores samtale den 12. august 2025 bekræfter vi hermed, at dine ansættelsesvilkår
ændres som beskrevet i dette brev. Ændringerne gælder fra den [[START_DATE|1. oktober 2025]]. Vilkår,
som ikke er nævnt, er uændrede i forhold til din ansættelseskontrakt af 2. april 2021.

Din stilling ændres fra energikonsulent til [[JOB_TITLE|seniorprojektleder]] i forretningsområdet
Industri. Du får personaleansvar for fire konsulenter og budgetansvar for området.

Dit arbejdssted ændres fra vores kontor i Valby, Gammel Køge Landevej 55, 2500 Valby, til
hovedkontoret på [[WORKPLACE|Sluseholmen 14, 2450 København SV]], hvor forretningsområdet samles.

Din månedsløn ændres fra 44.800 kr. til [[SALARY|52.500 kr.]], og dit pensionsbidrag forhøjes fra 9 %
til [[PENSION|11 %]] fra Nordkraft Energirådgivning. Dit eget bidrag på [[PENSION|3 %]] fortsætter
uændret.

Din arbejdstid er fortsat [[WORKING_HOURS|37 timer]] om ugen. Da stillingen er en lederstilling,
honoreres overarbejde ikke særskilt.

Dit opsigelsesvarsel fra vores side følger fortsat funktionærloven. Din egen opsigelse skal fremover
ske med [[NOTICE_PERIOD|3 måneders]] varsel til udgangen af en måned i stedet for det hidtidige varsel
på 1 måned, da stillingen kræver en længere overdragelse.

<<PAGE>>
Bonus
Du indgår fra regnskabsåret 2026 i selskabets bonusordning for ledere, som giver en bonus på op til
20 % af årslønnen ved fuld målopfyldelse.

Fri bil
Som led i den nye stilling får du fri firmabil (elbil) efter selskabets bilpolitik. Beskatningen
sker efter ligningslovens regler.

<<D:plain:0:12:6>>

Vi glæder os til at fortsætte samarbejdet i din nye rolle. Skriv venligst under på vedlagte kopi og
returnér den til HR senest den 1. september 2025.

Med venlig hilsen

Nordkraft Energirådgivning A/S

Tine Marstrand                       Jakob Wulff
Direktør                             HR-chef

Jeg bekræfter ændringerne:

Dato: ____________   Underskrift: _____________________________
""",
    header="Nordkraft Energirådgivning A/S",
    footer="side {n} af {total}",
)

_add(
    "long-016",
    "idrætsforening (uden selskabsform) ansætter træner, parter kun i underskriftsblokken og i overskrift",
    """
ANSÆTTELSESAFTALE – TRÆNER, 1. HOLD HERRER

Nedenstående aftale er indgået mellem foreningen og træneren, som begge er anført med navn og
adresse i underskriftsfeltet sidst i aftalen.

1. Stilling og periode
Træneren ansættes som [[JOB_TITLE|cheftræner]] for foreningens 1. hold herrer i 2. division. Ansættelsen
begynder den [[START_DATE|1. juli 2025]] og er tidsbegrænset til og med den [[END_DATE|30. juni 2027]],
hvor den ophører uden opsigelse.

2. Opgaver
Træneren planlægger og leder træning og kampe, udtager holdet, samarbejder med sportschefen om
spillertruppen og deltager i foreningens trænerudvikling for ungdomsafdelingen. Træneren skal
deltage i de arrangementer for sponsorer, som foreningen afholder, dog højst 6 gange om året.

3. Arbejdssted og arbejdstid
Arbejdet udføres primært på foreningens anlæg, [[WORKPLACE|Stadionvej 9, 4700 Næstved]], samt ved
udekampe. Arbejdstiden er i gennemsnit [[WORKING_HOURS|20 timer]] om ugen, dog varierende med
kampprogrammet.

4. Vederlag
Træneren modtager et fast vederlag på [[SALARY|18.500 kr.]] pr. måned. Derudover betales en
præmie på 15.000 kr. ved oprykning og 5.000 kr. ved avancement til pokalturneringens 3. runde.
Vederlaget er ikke pensionsgivende, og der indbetales ikke pension.

5. Opsigelse
Aftalen kan i aftaleperioden opsiges af begge parter med [[NOTICE_PERIOD|3 måneders]] varsel til
udgangen af en måned. Rykker holdet ned, kan foreningen dog opsige aftalen med
[[NOTICE_PERIOD|1 måneds]] varsel.

<<PAGE>>
6. Udstyr
Foreningen stiller træningstøj, taktiktavle og videoanalyseprogram til rådighed.

7. Omdømme
Træneren skal i offentlige udtalelser tage hensyn til foreningens omdømme og sponsorer.

<<D:num:8:14:15>>

Underskrifter

Foreningen:                                         Træneren:
[[EMPLOYER|Næstved Idrætsforening af 1898]]          [[EMPLOYEE|Morten Kvist Abildskov]]
Stadionvej 9                                        Ringstedgade 44, 1. th.
4700 Næstved                                        4700 Næstved

Næstved, 20. juni 2025                              Næstved, 20. juni 2025

________________________                            ________________________
Formand Lone Frisk                                  Morten Kvist Abildskov
""",
    header="Trænerkontrakt – fortrolig",
    footer="Side {n} af {total}",
)
