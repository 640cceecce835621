from itda.programs.crisis import crisis_lines as _crisis_lines


def crisis_lines(request):
    """Every template gets the crisis lines, so no page is ever without them."""
    return {"crisis_lines": _crisis_lines()}
