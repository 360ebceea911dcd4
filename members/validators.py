"""Password rules beyond Django's built-in validators."""

import unicodedata

from django.core.exceptions import ValidationError


class CharacterClassesValidator:
    """Require characters from at least `min_classes` of: upper, lower, digit, symbol."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def classes(self, password: str) -> int:
        has_upper = any(c.isupper() for c in password)
        has_lower = any(c.islower() for c in password)
        has_digit = any(c.isdigit() for c in password)
        has_symbol = any(
            not c.isalnum() or unicodedata.category(c).startswith("P") for c in password
        )
        return sum([has_upper, has_lower, has_digit, has_symbol])

    def validate(self, password, user=None):
        if self.classes(password) < self.min_classes:
            raise ValidationError(
                f"密码须包含大写字母、小写字母、数字、特殊符号中的至少 {self.min_classes} 类。",
                code="password_too_simple",
            )

    def get_help_text(self):
        return f"密码须包含大写字母、小写字母、数字、特殊符号中的至少 {self.min_classes} 类。"
