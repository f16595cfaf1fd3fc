"""The shared checks, kind by kind: what they accept (normalized) and refuse (with which code)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from stdnum import iban as stdnum_iban
from stdnum import luhn

from validation import (
    InvalidValue,
    check_be_mobile,
    check_customer_number,
    check_email,
    check_iban,
    check_iccid,
    check_imei,
    check_other_sim_number,
    check_phone_number,
    compact,
    complete_iccid,
    display_format,
    iban_bank,
    mask_iban,
    national_format,
)

NBSP, NNBSP = "\u00a0", "\u202f"


def fullwidth(text: str) -> str:
    """``0470`` → ``０４７０`` (and letters, ``+``, ``@``, ``.``)."""
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


def _national_check_digits_wrong() -> str:
    """A Belgian IBAN whose IBAN check digits agree but whose account's last two do not."""
    bban = "510007547062"  # BE62 5100 0754 7061 with a wrong national check digit
    return stdnum_iban.calc_check_digits(f"BE00{bban}").join(["BE", bban])


VALID: list[tuple[Callable[[str], str], str, str]] = [
    # IBAN: compact, upper case, any separator, fullwidth, no-break spaces.
    (check_iban, "BE62 5100 0754 7061", "BE62510007547061"),
    (check_iban, "be71096123456769", "BE71096123456769"),
    (check_iban, "BE71.0961.2345.6769", "BE71096123456769"),
    (check_iban, "BE71-0961-2345-6769", "BE71096123456769"),
    (check_iban, "BE71/0961/2345/6769", "BE71096123456769"),
    (check_iban, f"BE71{NBSP}0961{NNBSP}2345{NBSP}6769", "BE71096123456769"),
    (check_iban, fullwidth("BE71096123456769"), "BE71096123456769"),
    (check_iban, "NL91ABNA0417164300", "NL91ABNA0417164300"),
    (check_iban, "DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
    (check_iban, "FR14 2004 1010 0505 0001 3M02 606", "FR1420041010050500013M02606"),
    # Our ICCIDs.
    (check_iccid, "8932030000000000125", "8932030000000000125"),
    (check_iccid, "8932 0300 0000 0000 125", "8932030000000000125"),
    (check_iccid, "8932-0300-0000-0000-125", "8932030000000000125"),
    (check_iccid, "8932.0300.0000.0000.125", "8932030000000000125"),
    (check_iccid, "8932/0300/0000/0000/125", "8932030000000000125"),
    (check_iccid, f"8932{NBSP}0300{NBSP}0000{NBSP}0000{NBSP}125", "8932030000000000125"),
    (check_iccid, fullwidth("8932030000000000125"), "8932030000000000125"),
    (check_iccid, "8932 0312 3456 7890 1230", "89320312345678901230"),  # 20 digits
    # Another operator's SIM card number.
    (check_other_sim_number, "8944 0000 0000 0000 001", "8944000000000000001"),
    (check_other_sim_number, "8932101234567890123", "8932101234567890123"),
    (check_other_sim_number, fullwidth("8944000000000000001"), "8944000000000000001"),
    # Without its check digit: the current operator judges its own cards (the bot warns once).
    (check_other_sim_number, "8944000000000000002", "8944000000000000002"),
    # IMEIs.
    (check_imei, "490154203237518", "490154203237518"),
    (check_imei, "49 015420 323751 8", "490154203237518"),
    (check_imei, "49-015420-323751-8", "490154203237518"),
    (check_imei, "49/015420/323751/8", "490154203237518"),
    (check_imei, f"49{NBSP}015420{NBSP}323751{NBSP}8", "490154203237518"),
    (check_imei, fullwidth("490154203237518"), "490154203237518"),
    (check_imei, "352099001761481", "352099001761481"),
    # Belgian mobile numbers.
    (check_be_mobile, "0470 12 34 56", "+32470123456"),
    (check_be_mobile, "0470/12.34.56", "+32470123456"),
    (check_be_mobile, "0470-12-34-56", "+32470123456"),
    (check_be_mobile, "+32 470 12 34 56", "+32470123456"),
    (check_be_mobile, "+32 (0)470 12 34 56", "+32470123456"),
    (check_be_mobile, "32470123456", "+32470123456"),
    (check_be_mobile, "0032470123456", "+32470123456"),
    (check_be_mobile, f"0470{NBSP}12{NBSP}34{NBSP}56", "+32470123456"),
    (check_be_mobile, fullwidth("0470 12 34 56"), "+32470123456"),
    (check_be_mobile, "mon numéro est le 0478 12 34 56", "+32478123456"),
    # Any phone number (contact number, login GSM).
    (check_phone_number, "02 511 22 33", "+3225112233"),
    (check_phone_number, "0470000001", "+32470000001"),
    (check_phone_number, "+33 6 12 34 56 78", "+33612345678"),
    (check_phone_number, "tel: +33 6 12 34 56 78", "+33612345678"),
    (check_phone_number, "0044 7911 123456", "+447911123456"),
    (check_phone_number, fullwidth("+32 2 511 22 33"), "+3225112233"),
    # E-mail addresses (no DNS lookup).
    (check_email, "Jan.Peeters@ACME.be", "Jan.Peeters@acme.be"),
    (check_email, f" nina@example.com{NBSP}", "nina@example.com"),
    # Customer numbers at another operator.
    (check_customer_number, "1234567", "1234567"),
    (check_customer_number, "CUST-1234", "CUST1234"),
    (check_customer_number, "12.345.678", "12345678"),
    (check_customer_number, "1234567890123", "1234567890123"),
]

INVALID: list[tuple[Callable[[str], str], str, str, dict[str, object]]] = [
    # BE68 5390 0754 7034: good check digits, but no Belgian bank has the code 539.
    (check_iban, "BE68 5390 0754 7034", "iban_invalid", {"reason": "bank_code"}),
    (check_iban, "BE68 5390 0754 7035", "iban_invalid", {"reason": "checksum"}),
    (check_iban, "BE71096123456768", "iban_invalid", {"reason": "checksum"}),
    (
        check_iban,
        _national_check_digits_wrong(),
        "iban_invalid",
        {"reason": "national_check_digits"},
    ),
    (check_iban, "NL91 ABNA 0417 1643 01", "iban_invalid", {"reason": "checksum"}),
    (check_iban, "XX00 1234", "iban_invalid", {}),
    (check_iban, "", "iban_invalid", {}),
    (check_iccid, "8932O30000000000125", "iccid_not_numeric", {}),
    (check_iccid, "89320300000", "iccid_wrong_length", {"length": 11}),
    (check_iccid, "893203000000000000000012", "iccid_wrong_length", {"length": 24}),
    (check_iccid, "8944000000000000001", "iccid_not_ours", {"prefix": "894400"}),
    (
        check_iccid,
        "8932030000000000126",
        "iccid_check_digit",
        {"check_digit": "6", "expected_check_digit": "5"},
    ),
    (check_iccid, fullwidth("8932030000000000126"), "iccid_check_digit", {"check_digit": "6"}),
    (check_iccid, "٨٩٣٢٠٣٠٠٠٠٠٠٠٠٠٠١٢٦", "iccid_check_digit", {"check_digit": "6"}),
    (check_other_sim_number, "12345", "current_sim_number_invalid", {"length": 5}),
    (
        check_other_sim_number,
        complete_iccid("123456789012345678"),  # Luhn-valid, but not 89…
        "current_sim_number_invalid",
        {"reason": "prefix"},
    ),
    (check_imei, "49015420323751", "imei_invalid_length", {"length": 14}),
    (check_imei, "4901542032375178", "imei_invalid_length", {"length": 16}),  # an IMEISV
    (check_imei, "490154203237519", "imei_check_digit", {}),
    (check_imei, "49015420323751A", "imei_not_numeric", {}),
    (check_imei, "４９０１５４２０３２３７５１９", "imei_check_digit", {}),
    (check_be_mobile, "02 123 45 67", "msisdn_invalid", {}),  # a landline
    (check_be_mobile, "+33612345678", "msisdn_invalid", {}),
    (check_be_mobile, "0470 12", "msisdn_invalid", {}),
    (check_be_mobile, "hello", "msisdn_invalid", {}),
    (check_be_mobile, "", "msisdn_invalid", {}),
    (check_phone_number, "12", "contact_number_invalid", {}),
    (check_phone_number, "12345", "contact_number_invalid", {}),
    (check_phone_number, "+32 999", "contact_number_invalid", {}),
    (check_phone_number, "hello", "contact_number_invalid", {}),
    (check_email, "jan.peeters@", "email_invalid", {}),
    (check_email, "jan peeters@acme.be", "email_invalid", {}),
    (check_email, "acme.be", "email_invalid", {}),
    (check_email, "jan@localhost", "email_invalid", {}),
    (check_customer_number, "ab", "current_customer_number_invalid", {}),
    (check_customer_number, "ABCDEF", "current_customer_number_invalid", {}),  # no digit
    (check_customer_number, "123", "current_customer_number_invalid", {}),
    (check_customer_number, "ABCD1234EFGH5678IJKL9", "current_customer_number_invalid", {}),
]


@pytest.mark.parametrize(("check", "raw", "expected"), VALID)
def test_valid_values_are_normalized(check: Callable[[str], str], raw: str, expected: str) -> None:
    assert check(raw) == expected


@pytest.mark.parametrize(("check", "raw", "code", "details"), INVALID)
def test_invalid_values_say_what_is_wrong(
    check: Callable[[str], str], raw: str, code: str, details: dict[str, object]
) -> None:
    with pytest.raises(InvalidValue) as caught:
        check(raw)
    assert caught.value.code == code
    assert str(caught.value) == code
    assert details.items() <= caught.value.details.items()
    assert caught.value.message  # the backend's 422 message


def test_details_never_repeat_the_typed_value() -> None:
    """Details become API answers and response variables; the value itself is the caller's."""
    for check, raw, _code, _details in INVALID:
        with pytest.raises(InvalidValue) as caught:
            check(raw)
        if raw and len(compact(raw)) > 6:
            assert all(compact(raw) not in str(value) for value in caught.value.details.values())


def test_normalization_of_what_people_type() -> None:
    assert compact(f" 0470{NBSP}12\u200b34–56 ") == "0470123456"
    assert compact(fullwidth("0470/12.34-56")) == "0470123456"


def test_ibans_bank_and_mask() -> None:
    assert iban_bank("BE71096123456769") == {"bank": "BELFIUS BANQUE", "bic": "GKCCBEBB"}
    assert iban_bank("BE62 5100 0754 7061")["bic"] == "VAPEBE22"
    assert iban_bank("BE68539007547034") == {}
    assert iban_bank("NL91ABNA0417164300") == {}
    assert mask_iban("BE71096123456769") == "BE71 **** **** 6769"
    assert mask_iban("BE71 0961 2345 6769") == "BE71 **** **** 6769"


def test_iccids_made_with_a_check_digit_are_ours_and_valid() -> None:
    iccid = complete_iccid("893203991234567890")
    assert luhn.is_valid(iccid) and check_iccid(iccid) == iccid


def test_phone_numbers_shown() -> None:
    assert national_format("+32470123456") == "0470 12 34 56"
    assert national_format("not a number") == "not a number"
    assert display_format("+32470123456") == "0470 12 34 56"
    assert display_format("+33612345678") == "+33 6 12 34 56 78"
