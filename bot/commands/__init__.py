"""Chat commands, one per file, declared with `bot.commands.registry.command`.
`bot.core.load_plugins()` imports every module here."""
