"""Document-level decoding of contract fields (worker.fields): whole names, one value per
single-valued label, every mention of that value kept."""

from __future__ import annotations

import datetime
import itertools

from worker.fields import (
    FieldSchema,
    complete_values,
    decode_fields,
    keep_best_values,
    merge_split_values,
    period_end_dates,
)
from worker.inference import TokenClassifier
from worker.spans import EntitySpan

SCHEMA = FieldSchema.from_labels()


def span(text: str, part: str, label: str, score: float = 0.9, occurrence: int = 0) -> EntitySpan:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(part, start + 1)
    return EntitySpan(label, start, start + len(part), part, score)


def test_the_words_of_one_name_split_between_labels_become_one_span_labelled_by_their_vote() -> None:
    text = "Udlejer: Fjordlys Boligadministration ApS ansætter"
    parts = [
        span(text, "Fjordlys", "EMPLOYER", 0.9),
        span(text, "Boligadministration", "EMPLOYEE", 0.6),
        span(text, "ApS", "EMPLOYER", 0.95),
    ]

    assert merge_split_values(text, parts, SCHEMA) == [
        EntitySpan("EMPLOYER", 9, 41, "Fjordlys Boligadministration ApS", (0.9 + 0.95) / 3)
    ]


def test_a_comma_or_a_line_break_ends_a_name() -> None:
    text = "Nordlys ApS, Supervej 21\nHanne Holm"
    parts = [
        span(text, "Nordlys ApS", "EMPLOYER"),
        span(text, "Supervej 21", "WORKPLACE"),
        span(text, "Hanne Holm", "EMPLOYEE"),
    ]

    assert merge_split_values(text, parts, SCHEMA) == parts


def test_a_stray_begin_tag_inside_a_single_valued_value_is_ignored_but_rates_side_by_side_stay_apart() -> None:
    text = "Løn kr. 28.412,55 og pension 8 % 4 %"
    parts = [
        span(text, "kr.", "SALARY"),
        span(text, "28.412,55", "SALARY"),
        span(text, "8 %", "PENSION"),
        span(text, "4 %", "PENSION"),
    ]

    merged = merge_split_values(text, parts, SCHEMA)

    assert [(e.label, e.text) for e in merged] == [("SALARY", "kr. 28.412,55"), ("PENSION", "8 %"), ("PENSION", "4 %")]


def test_the_recurring_employer_outweighs_a_one_off_union_name_and_keeps_every_mention() -> None:
    text = "Nordlys ApS ansætter. Overenskomst med HK Privat. Med venlig hilsen Nordlys ApS"
    parts = [
        span(text, "Nordlys ApS", "EMPLOYER", 0.8),
        span(text, "HK Privat", "EMPLOYER", 0.97),
        span(text, "Nordlys ApS", "EMPLOYER", 0.7, occurrence=1),
    ]

    kept = keep_best_values(parts, SCHEMA)

    assert kept == [parts[0], parts[2]]


def test_mentions_differing_in_case_and_trailing_punctuation_are_one_value() -> None:
    text = "fra 1. MARTS 2024; tiltræder 1. marts 2024. Lønnen reguleres 1. april"
    parts = [
        span(text, "1. MARTS 2024", "START_DATE", 0.5),
        span(text, "1. marts 2024", "START_DATE", 0.5),
        span(text, "1. april", "START_DATE", 0.9),
    ]

    assert [e.text for e in keep_best_values(parts, SCHEMA)] == ["1. MARTS 2024", "1. marts 2024"]


def test_labels_with_several_values_keep_them_all() -> None:
    text = "Opsigelse: 3 måneder fra arbejdsgiver, 1 måned fra medarbejder"
    parts = [span(text, "3 måneder", "NOTICE_PERIOD"), span(text, "1 måned", "NOTICE_PERIOD")]

    assert decode_fields(text, parts, SCHEMA) == parts


def test_the_classifier_decodes_fields_unless_told_to_return_the_raw_word_groups(keyword_dir) -> None:
    text = "Nordlys ApS ansætter dig. Spørgsmål til Nordlys. Med venlig hilsen Nordlys ApS"

    decoded = TokenClassifier.load(keyword_dir).predict([text])[0]
    raw = TokenClassifier.load(keyword_dir, field_decoding=False).predict([text])[0]

    assert [e.text for e in raw] == ["Nordlys ApS", "Nordlys", "Nordlys ApS"]
    assert [(e.label, e.start, e.text) for e in decoded] == [
        ("EMPLOYER", 0, "Nordlys ApS"),
        ("EMPLOYER", 67, "Nordlys ApS"),
    ]


def _completed(text: str, part: str, label: str) -> list[tuple[str, str]]:
    return [(e.label, e.text) for e in complete_values(text, [span(text, part, label)])]


def test_a_legal_form_takes_the_capitalised_name_before_it_and_alone_is_no_employer() -> None:
    assert _completed("ansat hos Brdr. Kjærsgaard Maskinfabrik ApS som smed", "ApS", "EMPLOYER") == [
        ("EMPLOYER", "Brdr. Kjærsgaard Maskinfabrik ApS")
    ]
    assert _completed("Mellem Cykelkælderen ApS og", "ApS", "EMPLOYER") == [("EMPLOYER", "Cykelkælderen ApS")]
    assert _completed("selskabet (ApS) betaler", "ApS", "EMPLOYER") == []


def test_quantities_are_a_number_and_its_unit_without_a_glued_period() -> None:
    assert _completed("arbejdstid 37 timer/uge i snit", "timer/uge", "WORKING_HOURS") == [("WORKING_HOURS", "37 timer")]
    assert _completed("arbejdstid 37 t/uge", "37", "WORKING_HOURS") == [("WORKING_HOURS", "37 t")]
    assert _completed("løn: 28.500 kr/md.", "kr/md", "SALARY") == [("SALARY", "28.500 kr")]
    assert _completed("timeløn kr. 168,40 pr. time", "kr.", "SALARY") == [("SALARY", "kr. 168,40")]
    assert _completed("opsigelse med 7 dages varsel", "dages", "NOTICE_PERIOD") == [("NOTICE_PERIOD", "7 dages")]
    assert _completed("pension 7 % af lønnen", "%", "PENSION") == [("PENSION", "7 %")]


def test_a_word_near_a_quantity_with_neither_number_nor_unit_is_no_quantity() -> None:
    assert _completed("Prøvetid: Ingen", "Ingen", "PROBATION_PERIOD") == []
    assert _completed("arbejdsgiveren betaler en tredjedel", "tredjedel", "PENSION") == []
    assert _completed("med 3 måneders varsel, derefter", "derefter", "NOTICE_PERIOD") == []
    # A number with its unit glued on is still the quantity.
    assert _completed("Pension 12% af lønnen", "12%", "PENSION") == [("PENSION", "12%")]
    assert _completed("prøvetid på tre måneder", "tre", "PROBATION_PERIOD") == [("PROBATION_PERIOD", "tre måneder")]
    # The unit at a sentence's end, its full stop left out.
    assert _completed("derefter 1 måned. Fra", "1", "NOTICE_PERIOD") == [("NOTICE_PERIOD", "1 måned")]


def test_a_workplace_runs_from_the_street_to_the_city_and_its_district() -> None:
    text = "Arbejdsstedet er Restaurant Havneblik, Havnepladsen 2, 3000 Helsingør, hvor"
    assert _completed(text, "Restaurant Havneblik, Havnepladsen 2, 3000", "WORKPLACE") == [
        ("WORKPLACE", "Havnepladsen 2, 3000 Helsingør")
    ]
    assert _completed("på Campusvej 55, 5230 Odense M fra", "Campusvej 55, 5230 Odense", "WORKPLACE") == [
        ("WORKPLACE", "Campusvej 55, 5230 Odense M")
    ]


def test_an_address_tagged_only_at_its_tail_takes_its_street_and_number() -> None:
    text = "Kolding Sygehus, Sygehusvej 24, 6000 Kolding."
    assert _completed(text, "6000 Kolding", "WORKPLACE") == [("WORKPLACE", "Sygehusvej 24, 6000 Kolding")]
    text = "Regionshospitalet Gødstrup, Hospitalsparken 15, 7400 Herning, med tiltrædelse"
    assert _completed(text, "Herning", "WORKPLACE") == [("WORKPLACE", "Hospitalsparken 15, 7400 Herning")]
    text = "Dit faste arbejdssted er Bagsværd Hovedgade 141, 2880 Bagsværd, bortset fra"
    assert _completed(text, "Hovedgade 141, 2880 Bagsværd", "WORKPLACE") == [
        ("WORKPLACE", "Bagsværd Hovedgade 141, 2880 Bagsværd")
    ]
    # A form's label before the street is not part of its name.
    text = "Arbejdssted\tStrandmarksvej 41, 2650 Hvidovre"
    assert _completed(text, "Strandmarksvej 41, 2650 Hvidovre", "WORKPLACE") == [
        ("WORKPLACE", "Strandmarksvej 41, 2650 Hvidovre")
    ]


def test_the_next_item_number_of_a_numbered_list_is_not_part_of_a_value() -> None:
    text = "5. Ansættelsesdato: 15. januar 2025\n6. Ansættelsens karakter"
    assert _completed(text, "15. januar 2025\n6", "START_DATE") == [("START_DATE", "15. januar 2025")]
    text = "3. Arbejdssted: Ålbækvej 112, 7500 Holstebro\n4. Stillingsbetegnelse"
    assert _completed(text, "Ålbækvej 112, 7500 Holstebro\n4", "WORKPLACE") == [
        ("WORKPLACE", "Ålbækvej 112, 7500 Holstebro")
    ]


def test_a_date_must_look_like_one_and_keeps_its_day() -> None:
    assert _completed("fratræder 15. sep. 2024", "sep. 2024", "END_DATE") == [("END_DATE", "15. sep. 2024")]
    assert _completed("vagt kl. 15.00-19.00 hver dag", "15.00-19.00", "END_DATE") == []
    assert _completed("i 2024 m.v.", "2024", "START_DATE") == []
    assert _completed("fra 1/9-2023", "1/9-2023", "START_DATE") == [("START_DATE", "1/9-2023")]
    assert _completed("fra 13/1 2023", "13/1 2023", "START_DATE") == [("START_DATE", "13/1 2023")]
    text = "Pr. 1. oktober 2024 overgår du til"
    assert _completed(text, "1. oktober 2024 overgår", "START_DATE") == [("START_DATE", "1. oktober 2024")]
    assert _completed("ansat den 1.\noktober 2024", "1.\noktober 2024", "START_DATE") == [
        ("START_DATE", "1.\noktober 2024")
    ]


def test_a_persons_name_takes_its_capitalised_neighbours_on_the_same_line() -> None:
    assert _completed("Medarbejder: Per Aagaard Nymann, født", "Per Aagaard", "EMPLOYEE") == [
        ("EMPLOYEE", "Per Aagaard Nymann")
    ]
    assert _completed("Kære Jonas Eriksen Bay\nVelkommen", "Eriksen", "EMPLOYEE") == [("EMPLOYEE", "Jonas Eriksen Bay")]
    assert _completed("Hej Vibeke Koch\n", "Koch", "EMPLOYEE") == [("EMPLOYEE", "Vibeke Koch")]
    assert _completed("Lønmodtager Fatima Storm", "Storm", "EMPLOYEE") == [("EMPLOYEE", "Fatima Storm")]


def test_the_date_that_closes_a_period_opened_by_the_start_date_is_the_end_date() -> None:
    def ends(text: str, start: str) -> list[str]:
        found = period_end_dates(text, [span(text, start, "START_DATE")])
        return [e.text for e in found if e.label == "END_DATE"]

    assert ends("Ansættelsesperiode: 01.03.2025 - 28.02.2026\n", "01.03.2025") == ["28.02.2026"]
    assert ends("ansat i perioden 1. maj 2025 til og med den 31. juli 2025.", "1. maj 2025") == ["31. juli 2025"]
    assert ends("fra 2025-02-01 – 2027-01-31", "2025-02-01") == ["2027-01-31"]
    # Not a period: the next date is on another line, or is no date at all.
    assert ends("Tiltrædelse: 1. maj 2025 -\n31. juli 2025", "1. maj 2025") == []
    assert ends("fra 1. maj 2025 til kl. 16", "1. maj 2025") == []


def test_a_date_the_model_already_labelled_is_not_taken_for_the_end_of_a_period() -> None:
    text = "i perioden 1. maj 2025 til 31. juli 2025"
    labelled = [span(text, "1. maj 2025", "START_DATE"), span(text, "31. juli 2025", "START_DATE", 0.4)]

    assert period_end_dates(text, labelled) == labelled


def test_spans_that_grow_into_each_other_come_out_once() -> None:
    text = "Medarbejder: Per Aagaard Nymann, født"
    parts = [span(text, "Per Aagaard", "EMPLOYEE", 0.9), span(text, "Nymann", "EMPLOYEE", 0.4)]

    decoded = decode_fields(text, parts, SCHEMA)

    assert [(e.label, e.start, e.text) for e in decoded] == [("EMPLOYEE", 13, "Per Aagaard Nymann")]


def test_decoded_spans_never_overlap_on_the_dev_set() -> None:
    import json
    from pathlib import Path

    dev = Path(__file__).resolve().parent.parent / "training" / "dev" / "dev.jsonl"
    classifier = TokenClassifier.load(Path(__file__).resolve().parent.parent / "training" / "default-model")
    for document in map(json.loads, dev.open()):
        entities = classifier.predict([document["text"]])[0]
        for before, after in itertools.pairwise(entities):
            assert before.end <= after.start, (document["id"], before, after)


CONTRACT_WITH_A_BROKEN_DATE = (
    "2. Tiltrædelse\n"
    "Medarbejderen tiltræder stillingen som bogholder den 1. juni\n"
    "2024 og ansættes på fuld tid.\n"
    "3. Løn\n"
)


def test_a_date_whose_year_a_line_break_pushed_onto_the_next_line_keeps_it() -> None:
    from models.contract_card import EntityValue, card_values
    from models.normalisation import entity_values_in

    text = CONTRACT_WITH_A_BROKEN_DATE
    year_untagged = [span(text, "1. juni", "START_DATE")]
    year_apart = [span(text, "1. juni", "START_DATE"), span(text, "2024", "START_DATE", 0.5)]

    for found in (year_untagged, year_apart):
        decoded = decode_fields(text, found, SCHEMA)
        assert [(e.label, e.text) for e in decoded] == [("START_DATE", "1. juni\n2024")]
        values = [entity_values_in(text, e.label, e.start, e.end) for e in decoded]
        card = card_values(EntityValue(e.label, e.text, e.score, **v) for e, v in zip(decoded, values, strict=True))
        assert card.columns["start_date"] == datetime.date(2024, 6, 1)
        assert "missing_start_date" not in card.flags


def test_a_date_takes_no_year_from_beyond_its_paragraph_and_no_item_number() -> None:
    assert _completed("tiltræder den 1. juni\n\n2024 blev et godt år", "1. juni", "START_DATE") == [
        ("START_DATE", "1. juni")
    ]
    assert _completed("tiltræder den 1. juni\n3. Løn", "1. juni", "START_DATE") == [("START_DATE", "1. juni")]
    assert _completed("tiltræder den 1. juni 2024\n2025 er", "1. juni 2024", "START_DATE") == [
        ("START_DATE", "1. juni 2024")
    ]


def test_a_name_is_written_on_one_line_and_the_line_with_the_name_stays() -> None:
    text = "og\nLouise Brandt Holm\nLærkevej 9\n8260 Viby J"
    running_on = EntitySpan("EMPLOYEE", 3, 32, text[3:32], 0.8)  # "Louise Brandt Holm\nLærkevej"

    assert [e.text for e in complete_values(text, [running_on])] == ["Louise Brandt Holm"]


def test_role_labels_titles_and_adverbs_at_a_names_edges_are_not_part_of_it() -> None:
    text = "Medarbejderen hr. Anders Bøgh herved bekræfter"
    tagged = span(text, "Medarbejderen hr. Anders Bøgh herved", "EMPLOYEE")

    assert [e.text for e in complete_values(text, [tagged])] == ["Anders Bøgh"]


def test_the_connector_between_the_parties_and_the_word_undertegnede_are_no_parties() -> None:
    text = "Mellem undertegnede Kvistgaard Rådgivning ApS\nOG\nLouise Holm"
    employer = span(text, "undertegnede Kvistgaard Rådgivning ApS", "EMPLOYER")
    connector = span(text, "OG", "EMPLOYEE")

    assert [e.text for e in complete_values(text, [employer, connector])] == ["Kvistgaard Rådgivning ApS"]


def test_an_organisation_without_a_legal_form_keeps_its_whole_name_and_a_law_is_no_employer() -> None:
    text = "ansat ved Aftenskolen Lindely efter funktionærloven"
    school = span(text, "Lindely", "EMPLOYER")
    law = span(text, "funktionærloven", "EMPLOYER")

    assert [e.text for e in complete_values(text, [school, law])] == ["Aftenskolen Lindely"]


def test_a_workplace_given_by_reference_is_the_employers_address_from_its_party_block() -> None:
    text = (
        "Mellem Kvistgaard Rådgivning ApS\nFrederiksgade 17, 2. sal\n8000 Aarhus C\nog Louise Holm\n\n"
        "Arbejdsstedet er på ovennævnte virksomhedsadresse."
    )
    employer = span(text, "Kvistgaard Rådgivning ApS", "EMPLOYER")
    reference = span(text, "ovennævnte virksomhedsadresse", "WORKPLACE")

    workplace = decode_fields(text, [employer, reference], SCHEMA)[1]

    assert (workplace.label, workplace.text) == ("WORKPLACE", "Frederiksgade 17, 2. sal\n8000 Aarhus C")


def test_an_address_tagged_from_its_house_number_takes_its_street_back() -> None:
    text = "Arbejdssted: Bagsværd Hovedgade 141, 2880 Bagsværd"
    tail = span(text, "141, 2880 Bagsværd", "WORKPLACE")

    assert [e.text for e in complete_values(text, [tail])] == ["Bagsværd Hovedgade 141, 2880 Bagsværd"]


def test_a_title_filling_a_form_field_is_the_fields_whole_value_up_to_its_separator() -> None:
    text = "Position / Stilling: Logistics Coordinator / Logistikkoordinator\nog vikarierer som kok i kantinen"
    fragment = span(text, "Logistics", "JOB_TITLE")
    in_a_sentence = span(text, "kok", "JOB_TITLE")

    assert [e.text for e in complete_values(text, [fragment, in_a_sentence])] == ["Logistics Coordinator", "kok"]


def test_the_same_pay_stated_monthly_and_yearly_is_one_salary_with_both_mentions() -> None:
    text = "Lønnen er kr. 46.000 pr. måned, svarende til kr. 552.000 årligt. Bonus kr. 20.000 pr. år."
    monthly = span(text, "kr. 46.000", "SALARY", 0.6)
    yearly = span(text, "kr. 552.000", "SALARY", 0.5)
    bonus = span(text, "kr. 20.000", "SALARY", 0.9)

    assert [e.text for e in keep_best_values([monthly, yearly, bonus], SCHEMA, text)] == ["kr. 46.000", "kr. 552.000"]


def test_a_quantity_is_its_number_and_unit_without_the_punctuation_around_it() -> None:
    text = "bidrag (10%, heraf 4% medarbejderens)"
    tagged = span(text, "(10%,", "PENSION")

    assert [e.text for e in complete_values(text, [tagged])] == ["10%"]


# --------------------------------------------------------------------------------------------------
# What the dropped values say about the document (competing_values): card flags
# --------------------------------------------------------------------------------------------------

TWO_CONTRACTS = (
    "ANSÆTTELSESBEVIS\nMedarbejder: Hanne Holm\nTiltrædelse: 1. marts 2024\nLøn: 32.000 kr. pr. måned\n"
    "\fANSÆTTELSESBEVIS\nMedarbejder: Per Lund\nTiltrædelse: 1. april 2024\nLøn: 29.000 kr. pr. måned\n"
)


def test_different_parties_with_their_own_facts_in_different_parts_are_several_contracts() -> None:
    text = TWO_CONTRACTS
    found = [
        span(text, "Hanne Holm", "EMPLOYEE", 0.99),
        span(text, "1. marts 2024", "START_DATE", 0.99),
        span(text, "Per Lund", "EMPLOYEE", 0.98),
        span(text, "1. april 2024", "START_DATE", 0.97),
    ]

    decoded = decode_fields(text, found, SCHEMA)

    assert decoded.flags == ("multiple_contracts", "conflicting_values")
    assert [e.text for e in decoded] == ["Hanne Holm", "1. marts 2024"]  # the card still shows one contract


def test_two_parties_without_other_facts_on_their_sides_are_a_conflict_not_two_contracts() -> None:
    """A signer read as a second employee at the end of one contract: the facts all lie before it."""
    text = "Medarbejder: Hanne Holm\nTiltrædelse: 1. marts 2024, lønregulering 1. april 2024\n\fFor firmaet: Per Lund"
    found = [
        span(text, "Hanne Holm", "EMPLOYEE", 0.99),
        span(text, "1. marts 2024", "START_DATE", 0.99),
        span(text, "1. april 2024", "START_DATE", 0.97),
        span(text, "Per Lund", "EMPLOYEE", 0.98),
    ]

    assert decode_fields(text, found, SCHEMA).flags == ("conflicting_values",)


def test_another_fact_alone_changing_between_parts_is_no_second_contract() -> None:
    """An amendment states old and new pay for the same employee: one party, so one contract."""
    text = "Medarbejder: Hanne Holm\nLøn hidtil 32.000 kr. pr. måned\nLøn fremover 35.000 kr. pr. måned\nHanne Holm"
    found = [
        span(text, "Hanne Holm", "EMPLOYEE", 0.99),
        span(text, "32.000 kr.", "SALARY", 0.97),
        span(text, "35.000 kr.", "SALARY", 0.99),
        span(text, "Hanne Holm", "EMPLOYEE", 0.99, occurrence=1),
    ]

    assert decode_fields(text, found, SCHEMA).flags == ("conflicting_values",)


def test_forms_of_one_value_do_not_conflict() -> None:
    """The same date in Danish and English, the same pay a month and a year, a name and its short form."""
    text = (
        "Nordlys Rådgivning ApS ansætter fra 1. marts 2024 / from 1 March 2024 til 46.000 kr. pr. måned, "
        "svarende til 552.000 kr. årligt.\nNordlys Rådgivning"
    )
    found = [
        span(text, "Nordlys Rådgivning ApS", "EMPLOYER", 0.99),
        span(text, "1. marts 2024", "START_DATE", 0.99),
        span(text, "1 March 2024", "START_DATE", 0.98),
        span(text, "46.000 kr.", "SALARY", 0.99),
        span(text, "552.000 kr.", "SALARY", 0.97),
        span(text, "Nordlys Rådgivning", "EMPLOYER", 0.97, occurrence=1),
    ]

    assert decode_fields(text, found, SCHEMA).flags == ()


def test_a_doubtful_second_value_is_no_conflict() -> None:
    """Only values the model states with a mention of at least STATED_SCORE compete."""
    text = "Tiltrædelse 1. marts 2024. Lønnen reguleres pr. 1. april."
    found = [span(text, "1. marts 2024", "START_DATE", 0.99), span(text, "1. april", "START_DATE", 0.6)]

    assert decode_fields(text, found, SCHEMA).flags == ()
    found[1] = span(text, "1. april", "START_DATE", 0.96)
    assert decode_fields(text, found, SCHEMA).flags == ("conflicting_values",)


def test_multi_valued_labels_never_conflict() -> None:
    text = "Pension 8 % fra arbejdsgiver og 4 % fra medarbejderen."
    found = [span(text, "8 %", "PENSION", 0.99), span(text, "4 %", "PENSION", 0.99)]

    assert decode_fields(text, found, SCHEMA).flags == ()


def test_a_duration_is_a_count_and_its_unit_in_any_inflection_or_in_english() -> None:
    assert _completed("fratræden med 4 ugers varsel", "4", "NOTICE_PERIOD") == [("NOTICE_PERIOD", "4 ugers")]
    assert _completed("a notice of two months applies", "two", "NOTICE_PERIOD") == [("NOTICE_PERIOD", "two months")]
    assert _completed("prøvetid på én uge", "uge", "PROBATION_PERIOD") == [("PROBATION_PERIOD", "én uge")]
    # A number alone (a page number, an item number) or a number word alone is no duration.
    assert _completed("Tømrerlauget · side 2\n", "2", "NOTICE_PERIOD") == []
    assert _completed("stillingen er en deltidsstilling", "en", "NOTICE_PERIOD") == []


def test_a_day_and_month_the_model_cut_short_takes_the_year_after_it() -> None:
    assert _completed("har arbejdet her siden 15. august 2019, hvor", "15. august", "START_DATE") == [
        ("START_DATE", "15. august 2019")
    ]
    assert _completed("with effect from 2 June 2026 onwards", "2 June", "START_DATE") == [("START_DATE", "2 June 2026")]
    # A number that is no year stays out: "1. maj 37 timer" is a date without its year.
    assert _completed("fra 1. maj 37 timer ugentligt", "1. maj", "START_DATE") == [("START_DATE", "1. maj")]


def _kept(text: str, *mentions: tuple[str, str, float]) -> list[str]:
    spans = [span(text, part, label, score) for part, label, score in mentions]
    return [e.text for e in keep_best_values(sorted(spans, key=lambda e: e.start), SCHEMA, text)]


def test_a_full_date_outranks_a_yearless_or_recurring_one_whatever_their_scores() -> None:
    text = (
        "Du begynder hos os den 3. februar 2025. Lønnen reguleres hvert år pr. 1. oktober, første gang 1. oktober 2026."
    )
    assert _kept(
        text,
        ("3. februar 2025", "START_DATE", 0.7),
        ("1. oktober", "START_DATE", 0.99),
        ("1. oktober 2026", "START_DATE", 0.99),
    ) == ["3. februar 2025"]


def test_a_person_of_two_name_words_outranks_a_single_capitalised_word() -> None:
    text = "Fortroligt\nMarie-Louise Kragh\nVibevej 3"
    assert _kept(text, ("Fortroligt", "EMPLOYEE", 0.9), ("Marie-Louise Kragh", "EMPLOYEE", 0.5)) == [
        "Marie-Louise Kragh"
    ]


def test_a_title_introduced_as_the_position_outranks_a_word_after_any_other_som() -> None:
    text = (
        "Du tilbydes stilling som lagerforvalter fra august. Udstyret stilles til rådighed, som "
        "aftalt med tillidsrepræsentanten, og beskattes som fri telefon."
    )
    assert _kept(
        text, ("lagerforvalter", "JOB_TITLE", 0.6), ("aftalt", "JOB_TITLE", 0.99), ("fri telefon", "JOB_TITLE", 0.9)
    ) == ["lagerforvalter"]
    # "som led i" is no appointment: the cue needs an employment word before it.
    text = "Materiale, som medarbejderen udarbejder som led i arbejdet, og hun ansættes som tekniker."
    assert _kept(text, ("led", "JOB_TITLE", 0.99), ("tekniker", "JOB_TITLE", 0.7)) == ["tekniker"]


def test_an_amendment_keeps_the_new_value_not_the_one_it_replaces() -> None:
    text = "Fra 1. maj udgør din månedsløn 39.000 kr. i stedet for den hidtidige løn på 36.500 kr."
    assert _kept(text, ("39.000 kr.", "SALARY", 0.6), ("36.500 kr.", "SALARY", 0.99)) == ["39.000 kr."]
    text = "Din titel ændres fra sagsbehandler til teamkoordinator med virkning fra 1. maj."
    assert _kept(text, ("sagsbehandler", "JOB_TITLE", 0.99), ("teamkoordinator", "JOB_TITLE", 0.8)) == [
        "teamkoordinator"
    ]
    # A multi-valued fact loses its replaced value where it has another.
    text = "Dit varsel er herefter 2 måneder i stedet for det tidligere varsel på 14 dage."
    assert _kept(text, ("2 måneder", "NOTICE_PERIOD", 0.9), ("14 dage", "NOTICE_PERIOD", 0.9)) == ["2 måneder"]


def test_in_a_table_of_old_and_new_terms_the_old_column_loses() -> None:
    piped = "Punkt | Tidligere | Nyt\n--- | --- | ---\nUgentlige timer | 30 timer | 34 timer\n"
    assert _kept(piped, ("30 timer", "WORKING_HOURS", 0.99), ("34 timer", "WORKING_HOURS", 0.8)) == ["34 timer"]
    aligned = (
        "Vilkår         Nuværende          Pr. 1. juni\nArbejdssted    Åvej 5, 4000 Roskilde    Torvet 1, 4300 Holbæk\n"
    )
    assert _kept(
        aligned,
        ("Åvej 5, 4000 Roskilde", "WORKPLACE", 0.99),
        ("Torvet 1, 4300 Holbæk", "WORKPLACE", 0.7),
    ) == ["Torvet 1, 4300 Holbæk"]
    # A past fact is no replaced value: "tidligere" as an adverb says when, not what was replaced.
    text = "Da du tidligere har været ansat i Forsyning Nord, bortfalder prøvetiden. Hilsen Vandværket Syd"
    assert _kept(text, ("Forsyning Nord", "EMPLOYER", 0.9), ("Vandværket Syd", "EMPLOYER", 0.8)) == ["Forsyning Nord"]


def test_an_address_runs_from_its_street_to_its_city_and_ends_there() -> None:
    # The first word of a street runs on to its number, postcode and a city of two words.
    text = "Ny adresse: Store Kongensgade 12, 1264 København K\nØvrige vilkår"
    assert _completed(text, "Store", "WORKPLACE") == [("WORKPLACE", "Store Kongensgade 12, 1264 København K")]
    # What follows the city is a direction within the address, not the address.
    text = "Mødested er værkstedet, Lundevej 7, 5700 Svendborg, hal 3, indgang B."
    assert _completed(text, "Svendborg, hal 3", "WORKPLACE") == [("WORKPLACE", "Lundevej 7, 5700 Svendborg")]


def test_an_address_without_a_number_or_postcode_is_none_unless_it_refers_to_one() -> None:
    text = "Du arbejder fra kontoret, Bredgade 4, 7100 Vejle, og i perioder i marken hos kunderne."
    decoded = decode_fields(text, [span(text, "marken", "WORKPLACE", 0.95)], SCHEMA)
    assert decoded == []
    text = "Tømrer Holm ApS\nBredgade 4, 7100 Vejle\n\nArbejdet udføres fra ovennævnte adresse."
    mentions = [span(text, "Tømrer Holm ApS", "EMPLOYER", 0.95), span(text, "adresse", "WORKPLACE", 0.9)]
    assert [e.text for e in decode_fields(text, mentions, SCHEMA) if e.label == "WORKPLACE"] == [
        "Bredgade 4, 7100 Vejle"
    ]


def test_a_name_never_crosses_a_column_gap_and_loses_the_title_before_it() -> None:
    text = (
        "For klubben:                          Spilleren:\nKasserer Bo Riis                      Ahmad Nouri Sandberg\n"
    )
    signature = span(text, "Kasserer Bo Riis                      Ahmad Nouri Sandberg", "EMPLOYEE", 0.9)
    assert [e.text for e in complete_values(text, [signature])] == ["Bo Riis", "Ahmad Nouri Sandberg"]
    # A table's cell border is a column gap too.
    text = "Arbejdssted | Kirkevej 2, 8600 Silkeborg | Søvej 9, 8600 Silkeborg\n"
    cells = span(text, "Kirkevej 2, 8600 Silkeborg | Søvej 9, 8600 Silkeborg", "WORKPLACE", 0.9)
    assert [e.text for e in complete_values(text, [cells])] == ["Kirkevej 2, 8600 Silkeborg", "Søvej 9, 8600 Silkeborg"]


def test_the_role_labels_of_a_bilingual_template_are_no_person() -> None:
    text = "The Employee shall report to the CFO.\nMedarbejder / Employee: Sara Lindholm Vestergaard"
    mentions = [span(text, "The Employee", "EMPLOYEE", 0.98), span(text, "Sara Lindholm Vestergaard", "EMPLOYEE", 0.7)]
    assert [e.text for e in decode_fields(text, mentions, SCHEMA)] == ["Sara Lindholm Vestergaard"]


def test_an_organisations_short_forms_support_its_full_name() -> None:
    text = (
        "Mellem Sydfyns Andelsboligforening Broen og Lise Thorup.\nForeningen betaler løn.\n"
        "Broen sørger for nøgler. Broen afholder kurser. Med venlig hilsen Broen"
    )
    mentions = [
        ("Sydfyns Andelsboligforening Broen", "EMPLOYER", 0.7),
        ("Broen", "EMPLOYER", 0.5),
        ("Foreningen", "EMPLOYER", 0.99),
    ]
    assert _kept(text, *mentions) == ["Sydfyns Andelsboligforening Broen"]


def test_a_notice_in_a_sentence_about_holidays_is_no_notice_period() -> None:
    text = (
        "Opsigelse sker med 2 måneders varsel.\nSommerferien på 3 uger planlægges i april, og ferien varsles "
        "senest 4 uger før. Vacation requests need two weeks' notice."
    )
    notices = [span(text, part, "NOTICE_PERIOD") for part in ("2 måneders", "4 uger", "two weeks'")]
    assert [e.text for e in complete_values(text, notices)] == ["2 måneders"]


def test_a_fixed_phrase_after_som_is_no_title_and_an_employment_form_gives_way_to_the_title() -> None:
    text = "Rettigheder, der opstår som led i arbejdet, og som følge af aftalen, tilhører skolen."
    assert [
        e.text for e in complete_values(text, [span(text, "led", "JOB_TITLE"), span(text, "følge", "JOB_TITLE")])
    ] == []
    text = "Vi bekræfter hermed din ansættelse som deltidsansat\nportør ved Sygehus Lillebælt."
    assert _completed(text, "deltidsansat", "JOB_TITLE") == [("JOB_TITLE", "portør")]


def test_a_restrictive_covenants_own_notice_is_no_notice_period() -> None:
    text = (
        "Du kan fratræde med 1 måneds varsel.\nKundeklausulen kan af selskabet bringes til ophør med 3 måneders "
        "varsel. The non-compete may be released on two months' notice."
    )
    notices = [span(text, part, "NOTICE_PERIOD") for part in ("1 måneds", "3 måneders", "two months'")]
    assert [e.text for e in complete_values(text, notices)] == ["1 måneds"]


def test_a_verb_after_a_relative_som_is_no_title() -> None:
    text = "Det tillæg, som blev aftalt i 2023, bortfalder, og ordningen, som gælder for alle, fortsætter."
    assert complete_values(text, [span(text, "blev", "JOB_TITLE"), span(text, "gælder", "JOB_TITLE")]) == []


def test_a_person_is_a_first_and_a_last_name_and_one_word_that_stays_alone_is_none() -> None:
    text = "Journalnr. 2291\nFortroligt\n\nKære Đorđe Ilić-Sørensen, velkommen."
    assert _completed(text, "Fortroligt", "EMPLOYEE") == []
    assert _completed(text, "Journalnr", "EMPLOYEE") == []
    # Names outside the Danish alphabet and in a signature block's capitals count as name words.
    assert _completed(text, "Đorđe Ilić-Sørensen", "EMPLOYEE") == [("EMPLOYEE", "Đorđe Ilić-Sørensen")]
    text = "Underskrift:\nJENS PEDER MØLGAARD\n"
    assert _completed(text, "JENS PEDER MØLGAARD", "EMPLOYEE") == [("EMPLOYEE", "JENS PEDER MØLGAARD")]
