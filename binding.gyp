{
  "targets": [
    {
      "target_name": "pcap_batch_reader",
      "sources": ["native/pcap_batch_reader.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "libraries": ["-lpcap"]
    }
  ]
}
