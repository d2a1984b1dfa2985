"""Tokens handed to people and command lines."""

from bianmin.passwords import new_token, token_ok


def test_no_token_starts_with_a_dash():
    """A device token goes after ``--token`` on the kiosk's and display's command lines; one
    starting with "-" (1 in 64 of url-safe base64) made argparse refuse to start them."""
    tokens = [new_token() for _ in range(3000)]
    assert not [t for t in tokens if t.startswith("-")]
    assert all(token_ok(t) for t in tokens) and len(set(tokens)) == len(tokens)
