from emgmap.commands.devices import classify_port


def test_openbci_dongles_and_arduinos_are_recognised():
    assert classify_port(0x0403, "FT231X USB UART") == \
        "likely an OpenBCI dongle (FTDI): brainflow:cyton?port=PORT"
    assert classify_port(0x2341, "Arduino Uno") == "likely an Arduino-class board (Arduino): serial:PORT"
    assert "CH340" in classify_port(0x1A86, "USB2.0-Serial")
    assert classify_port(None, "n/a") == ""
    assert classify_port(None, "Arduino Leonardo").startswith("likely an Arduino-class board")


def test_devices_lists_emulators_and_brainflow_boards(cli):
    r = cli("devices")
    assert r.returncode == 0
    assert "emgmap emulate cyton" in r.stdout and "cyton_daisy" in r.stdout and "playback" in r.stdout
