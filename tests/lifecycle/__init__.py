"""Deploy-time lifecycle tests: the synthesized template, driven through the real handler
against a local Personalize emulator and moto, on a virtual clock."""
