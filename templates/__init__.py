"""cardsmith's default theme: these templates ship inside the package as generator.theme.

See README.md beside this file for what each template receives.
"""
