"""One scheduled job per module; each registers itself with `scheduler.registry.job`.
Importing this package (the `scheduler` package does) imports every module here."""

import importlib
import pkgutil

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    importlib.import_module(f"{__name__}.{_info.name}")
