"""Workers: claim operations, run engines, encode, store, finish (fenced); plus the sweeper."""
