"""Device probing: banner and KEXINIT grab, negotiation, Paramiko handshakes."""
