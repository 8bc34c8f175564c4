# chapters — the teaching text, installed with the program.
nobase_dist_pkgdata_DATA += \
	chapters/01-event-loop.md \
	chapters/02-streams.md \
	chapters/03-clusters.md \
	chapters/04-child-processes.md
nobase_dist_pkgdata_DATA += chapters/05-worker-threads.md
nobase_dist_pkgdata_DATA += chapters/06-together.md
