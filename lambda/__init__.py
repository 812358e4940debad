"""The handler, as the wheel ships it: the package ``personalize_batch_constructs._handler``.

The Lambda runtime never imports this file: it loads ``index`` and the modules it imports as
top-level modules. The construct imports the two that import no other module of the handler,
``contract`` and ``prop_rules``, through this package (an editable install needs it to be a
regular package).
"""
