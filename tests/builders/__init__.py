"""What the tests build and share: records, registers, actors, servers, processes, browsers; no tests here."""
