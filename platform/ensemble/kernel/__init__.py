"""The shared kernel: what every capability needs, written once.

- `refusal`: the one error an operation raises to refuse a request (message + field);
- `clock`: today and now in Europe/Paris, frozen by one fixture in tests;
- `french`: typography, dates, hours, numbers, euros and plurals, for pages and documents alike;
- `parsing`: French numbers, dates, times and months as people type or paste them;
- `text`: text cleaned at the door (control characters, Word's line breaks);
- `fields`, `forms`: bounded form fields and the base form every form derives from;
- `views`: the one form-view helper (validate, run, refuse or redirect) and `require`;
- `urls`: URL converters that answer 404 to what no row can be named by;
- `spreadsheets`: the one spreadsheet reader and the one writer.

The kernel imports no capability; `views` and `spreadsheets` use Flask and the
database session, nothing else of the web layer.
"""
