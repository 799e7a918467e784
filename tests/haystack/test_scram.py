"""SCRAM-SHA-256 primitives against RFC 7677's example exchange (user "user", "pencil")."""

import pytest

from simulator_app.haystack import scram

CLIENT_FIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
SERVER_FIRST = ("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
CLIENT_FINAL = ("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="


@pytest.fixture
def verifier():
    return scram.derive_verifier("pencil", scram.b64decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096)


def test_it_reads_the_client_first_message():
    assert scram.parse_client_first(CLIENT_FIRST) == (
        "user", "rOprNGfwEbeRWgbNEkqO", "n=user,r=rOprNGfwEbeRWgbNEkqO")


def test_it_writes_the_rfc_server_first_message(verifier):
    assert scram.server_first("rOprNGfwEbeRWgbNEkqO", verifier,
                              server_nonce="%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0") == SERVER_FIRST


def test_it_verifies_the_rfc_proof_and_answers_the_rfc_server_signature(verifier):
    bare = "n=user,r=rOprNGfwEbeRWgbNEkqO"
    assert scram.verify_client_final(bare, SERVER_FIRST, CLIENT_FINAL, verifier) == SERVER_FINAL


def test_it_refuses_a_tampered_proof(verifier):
    bare = "n=user,r=rOprNGfwEbeRWgbNEkqO"
    tampered = CLIENT_FINAL.replace("p=dHzb", "p=dHzc")
    with pytest.raises(scram.ScramError):
        scram.verify_client_final(bare, SERVER_FIRST, tampered, verifier)


def test_it_refuses_the_right_proof_for_another_password():
    other = scram.derive_verifier("pen", scram.b64decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096)
    with pytest.raises(scram.ScramError):
        scram.verify_client_final("n=user,r=rOprNGfwEbeRWgbNEkqO", SERVER_FIRST, CLIENT_FINAL,
                                  other)


def test_it_refuses_a_nonce_that_is_not_the_servers(verifier):
    final = CLIENT_FINAL.replace("k0,p=", "k1,p=")
    with pytest.raises(scram.ScramError, match="nonce"):
        scram.verify_client_final("n=user,r=rOprNGfwEbeRWgbNEkqO", SERVER_FIRST, final, verifier)


def test_it_reads_base64_in_either_alphabet_with_or_without_padding():
    assert scram.b64decode("+/8=") == scram.b64decode("-_8") == b"\xfb\xff"
    with pytest.raises(scram.ScramError):
        scram.b64decode("not base64!")
