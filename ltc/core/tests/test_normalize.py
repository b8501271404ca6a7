import pytest

from ltc.core import normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("华为技术有限公司", "华为技术"),
        ("华为技术 （有限公司）", "华为技术"),
        ("  上海锦程智能制造股份有限公司 ", "上海锦程智能制造"),
        ("ACME Co., Ltd.", "acme"),
        ("Acme Corporation", "acme"),
        ("有限公司", "有限公司"),
    ],
)
def test_company_name_folds_legal_forms_and_punctuation(raw, expected):
    assert normalize.company_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("+86 138-0013-8000", "13800138000"), ("0086 13800138000", "13800138000"), ("138 0013 8000", "13800138000")],
)
def test_mobile_strips_country_prefix_and_separators(raw, expected):
    assert normalize.mobile(raw) == expected


def test_email_is_lowercased_and_trimmed():
    assert normalize.email("  Zhang.Wei@Example.CN ") == "zhang.wei@example.cn"


def test_credit_code_is_uppercased_and_full_width_folded():
    assert normalize.credit_code("９１３５０１００m000100y43") == "91350100M000100Y43"
