"""A DocuSign eSignature REST v2.1 and OAuth emulator for tests and the local stack."""

from .app import create_app
from .conversion import make_docx
from .pdf import make_pdf
from .server import EmulatorServer
from .state import EmulatorState

__all__ = ["EmulatorServer", "EmulatorState", "create_app", "make_docx", "make_pdf"]
