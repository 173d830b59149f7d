from warroom.domain.signatures import check, sign

SECRET = "s3cret-s3cret-s3cret"
BODY = b'{"summary": "disk full"}'


def test_a_fresh_signature_of_the_same_body_is_accepted() -> None:
    assert check(SECRET, sign(SECRET, 1_000_000, BODY), BODY, now=1_000_010) is None


def test_a_changed_body_or_secret_is_refused() -> None:
    header = sign(SECRET, 1_000_000, BODY)
    assert (
        check(SECRET, header, BODY + b" ", now=1_000_000) == "the signature does not match the body"
    )
    assert check("another-secret-value", header, BODY, now=1_000_000) is not None


def test_an_old_signature_is_refused_as_a_replay() -> None:
    reason = check(SECRET, sign(SECRET, 1_000_000, BODY), BODY, now=1_000_301)
    assert reason is not None and "replay refused" in reason


def test_a_missing_or_malformed_header_says_what_is_expected() -> None:
    assert check(SECRET, None, BODY, now=0) == "the X-Warroom-Signature header is missing"
    assert "t=<unix seconds>,v1=<hex>" in (check(SECRET, "sha256=abc", BODY, now=0) or "")
