# plot.gp — throughput against connections for both echo servers.
# gnuplot -e "datafile='sweep.dat'; outfile='throughput.svg'" bench/plot.gp
# sweep.dat columns: conns baseline_rps baseline_p99_us compiled_rps compiled_p99_us
set terminal svg size 720,420 font "sans,12"
set output outfile
set title "echo over loopback: throughput against keep-alive connections"
set xlabel "connections"
set ylabel "requests per second"
set logscale x 2
set key bottom right
set grid
set yrange [0:*]
plot datafile using 1:2 with linespoints lw 2 title "baseline (evhttp + libxml2)", \
     datafile using 1:4 with linespoints lw 2 title "compiled echo.bpel"
