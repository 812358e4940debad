"""The errors the emulator answers with, as the Personalize wire protocol carries them."""

_CLIENT_ERROR_STATUS = 400


class ApiError(Exception):
    """An error response: its code becomes `__type` and `x-amzn-ErrorType`, its message `message`."""

    def __init__(self, code: str, message: str, *, status: int = _CLIENT_ERROR_STATUS):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
