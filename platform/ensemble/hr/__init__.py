"""The HR workspace of an employer: staff register, due dates, documents, imports,
and the HR manager's view across the employers she serves."""
