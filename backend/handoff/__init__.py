"""Live handoff of a chat conversation to a helpdesk agent, and back to the bot."""
