"""User errors name options in their reader's terms: Python arguments from the library, flags from the CLI."""
import pytest

from feedback2journey.config import ConfigError
from feedback2journey.errors import UserError, both, opt, render
from feedback2journey.inputs.read import InputError


def test_an_option_renders_as_a_python_argument_or_a_flag():
    e = InputError(f"x.csv: cannot decode. Fix: try {opt('encoding', 'latin-1')}.")
    assert str(e) == "x.csv: cannot decode. Fix: try encoding='latin-1'."
    assert e.for_cli() == "x.csv: cannot decode. Fix: try --encoding latin-1."
    assert "--" not in str(e)


def test_values_are_quoted_for_the_shell_and_placeholders_stay_readable():
    msg = f"use {opt('text_column', 'Product ID')} or {opt('encoding')}"
    assert render(msg, cli=True) == "use --text-column 'Product ID' or --encoding ENCODING"
    assert render(msg, cli=False) == "use columns=ColumnMapping(text=('Product ID',)) or encoding=..."


def test_a_wrapping_error_keeps_the_option_unrendered():
    inner = ConfigError(f"bad. Fix: {opt('config', 'my.yaml')}")
    outer = InputError(f"tickets.csv: {inner.raw}")
    assert outer.for_cli() == "tickets.csv: bad. Fix: --config my.yaml"
    assert str(outer) == "tickets.csv: bad. Fix: config='my.yaml'"


def test_both_forms_for_messages_with_no_single_reader():
    assert both("id_column", "Order") == "columns=ColumnMapping(id='Order') (command line: --id-column Order)"


def test_an_unknown_option_is_a_programming_error():
    with pytest.raises(KeyError, match="OPTIONS"):
        opt("no_such_option")


def test_every_user_error_is_a_value_error_and_a_user_error():
    from feedback2journey.inputs.columns import ColumnError
    from feedback2journey.painpoints.curate import CurationError

    for cls in (ConfigError, InputError, ColumnError, CurationError):
        assert issubclass(cls, UserError) and issubclass(cls, ValueError)
