"""Services: what sshdrift asks of the outside world, each behind an interface (:mod:`auditor.services.interface`)."""
