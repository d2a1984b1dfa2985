"""QR codes of a ticket's guide URL: the same modules on paper and on the kiosk screen."""

from __future__ import annotations


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR modules of ``data`` (error correction M, no quiet zone), rows from the top."""
    import qrcode  # only here: qrcode and Pillow (4 MB) stay out of a server that never draws one

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()
