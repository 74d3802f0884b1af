"""eID simulators for development and tests only (SPEC §7): an eID-Server simulator
with the signed SOAP interface of TR-03130 and an eID-Client simulator standing in
for the AusweisApp. The IdP starts them only when SERVICEKONTO_SIMULATORS=1 (`make
run`); they bind 127.0.0.1 only and use development keys.

    devkeys.ensure_dev_keys(dir) -> DevKeys     development keys and certificates
    server.create_eid_server_app(...) -> Flask  POST /eID-Server, /ecard/<psk_id>,
                                                /simulator/next-result (forced results)
    client.create_eid_client_app(...) -> Flask  GET/POST /eID-Client
    cards                                       the test cards (PIN 123456)
    run.start_simulators(...) -> Simulators     both on 127.0.0.1 in daemon threads

Nothing is imported here, so importing eid_connector never loads the simulators.
"""
