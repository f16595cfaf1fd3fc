"""eSIM profiles: activation code by e-mail (QR), confirmation page, resend."""
