"""Build and sign credentials, status lists, trust bundles and QR badges (never imports ledger).

- ``keys``: signing keys, RFC 7638 ``kid``, public JWKs, private keys sealed at rest
- ``jwt_sign``: compact JWS signing (pyjwt)
- ``achievement``: the full credential (Open Badges 3.0 / VC Data Model 2.0) as a ``vc+jwt``
- ``open_badges``: the full credential's Open Badges 3.0 document, unsigned
- ``template``: signing many full credentials of one level fast
- ``compact``: the compact credential behind a QR badge, and the badge URL
- ``qr``: QR badges (PNG, SVG) at error correction M, version 15 at most
- ``status_list``: W3C Bitstring Status List and the status list credential
- ``trust``: the signed trust bundle, the JWK Set and the did:web document
- ``did_web``: the did:web mapping between an https URL and a DID
- ``linkedin``: LinkedIn's "Add to profile" link
- ``timestamps``: RFC 3339 and NumericDate forms of an instant
"""
