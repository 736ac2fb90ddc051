"""The jobs linkcheck does, one module per job, each a plain function over an open store (or a
way to open one) with typed options and result: audit, precheck, gate. The CLI only parses
options, calls one of these and renders the result; nothing here prints or exits.

Nothing is imported here: `linkcheck check` imports usecases.gate alone, not the audit."""
