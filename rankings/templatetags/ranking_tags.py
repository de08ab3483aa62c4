from django import template

register = template.Library()


@register.filter(name="abs")
def absolute(value: int | None) -> int | None:
    """The size of a rank change without its sign (▼ 3, not ▼ -3)."""
    return None if value is None else abs(value)
