"""Release health: crash-free session and user rates per release and environment from the SDKs'
sessions, and the rules that raise an alert on them."""
