"""itda (잇다): a city's loneliness- and isolation-prevention platform."""
