import factory

from stq.enterprises.models import Enterprise
from stq.enterprises.taxcode import check_digit


def make_tax_code(n: int, prefix: str = "01") -> str:
    """The n-th valid 10-digit tax code with this province prefix (deterministic)."""
    seq = 1000 + n
    while True:
        nine = f"{prefix}{seq:07d}"
        digit = check_digit(nine)
        if digit is not None:
            return nine + digit
        seq += 100_000


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    tax_code = factory.Sequence(lambda n: make_tax_code(n * 3))
    name = factory.Sequence(lambda n: f"Công ty TNHH Thử Nghiệm {n}")
