"""The home pages (a person's landing page, a centre's, an employer's, a
federation's) and the registry of panels capabilities put on them
(`ensemble.home.panels`). Foundation: it imports no capability."""
