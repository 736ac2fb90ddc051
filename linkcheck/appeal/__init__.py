"""Appeals: the separation statement (model, wording, formats, signing).

statement.py builds the model from the store's profiles; document.py lays it out in the words
of catalogs/<lang>/statement.toml; render.py writes text, Markdown and JSON and signs
(render_html.py: the HTML page from templates/statement.html.j2); signing.py writes the
signature block and holds the strict verify grammar. A plan of action comes next, here."""
