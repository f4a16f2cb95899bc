"""The shared kernel: what every capability needs, written once.

- `refusal`: the one error an operation raises to refuse a request (message + field);
- `clock`: today and now in Europe/Paris, frozen by one fixture in tests;
- `french`: typography, dates, hours, numbers, euros and plurals, for pages and documents alike.

The kernel imports no capability and nothing from the web layer beyond Flask-Babel.
"""
