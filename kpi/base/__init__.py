"""The ground floor: settings (config), quarters (periods), the translation lookup (i18n), domain
errors (errors) and cell values (values). Imports nothing else of kpi."""
