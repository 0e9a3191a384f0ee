"""The gateway's recognizers, one module per French identifier family."""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer

from gateway.redaction.lexicons import Lexicons
from gateway.redaction.recognizers.address import AddressRecognizer
from gateway.redaction.recognizers.birth_date import BirthDateRecognizer
from gateway.redaction.recognizers.birthplace import BirthplaceRecognizer
from gateway.redaction.recognizers.caf import CafNumberRecognizer
from gateway.redaction.recognizers.case_id import CaseIdRecognizer
from gateway.redaction.recognizers.email import FrEmailRecognizer
from gateway.redaction.recognizers.france_travail import FranceTravailRecognizer
from gateway.redaction.recognizers.iban import FrIbanRecognizer
from gateway.redaction.recognizers.id_document import IdDocumentRecognizer
from gateway.redaction.recognizers.nickname import NicknameRecognizer
from gateway.redaction.recognizers.nir import NirRecognizer
from gateway.redaction.recognizers.person import PersonRecognizer
from gateway.redaction.recognizers.phone import FrPhoneRecognizer


def build_recognizers(lexicons: Lexicons) -> list[EntityRecognizer]:
    """One instance of every recognizer."""
    return [
        NirRecognizer(),
        FrIbanRecognizer(),
        FrPhoneRecognizer(),
        FrEmailRecognizer(),
        AddressRecognizer(),
        BirthDateRecognizer(),
        BirthplaceRecognizer(),
        CafNumberRecognizer(),
        FranceTravailRecognizer(),
        IdDocumentRecognizer(),
        CaseIdRecognizer(),
        PersonRecognizer(lexicons),
        NicknameRecognizer(),
    ]
