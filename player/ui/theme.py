"""The default theme: white on black with saturated accents, for reading under stage light."""

from textual.theme import Theme

STAGE = Theme(
    name="stage-high-contrast",
    primary="#FFD700",
    secondary="#00BFFF",
    accent="#FFD700",
    warning="#FFA500",
    error="#FF3030",
    success="#00FF00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1A1A1A",
    boost="#222222",
    dark=True,
)
