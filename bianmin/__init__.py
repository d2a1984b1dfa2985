"""The core every Bianmin part shares: the wire messages, the center's settings, assets.

The queue server, the kiosk, the hall display and the county server all import this
package; it imports none of them, so a kiosk PC needs no server code.
"""
