"""Stock: what each warehouse holds, what is promised, what is short and what is due a count."""
