# plot.gp — throughput against connections for both echo servers.
#   gnuplot -e "datafile='sweep.dat'; outfile='throughput.svg'" bench/plot.gp
# sweep.dat (bench/run.sh with BENCH_SWEEP) columns:
#   conns  baseline: rps p99_us cpu_us_per_req  compiled: rps p99_us cpu_us_per_req
# Solid: measured requests/s. Dashed: requests per second of server CPU
# (1e6 / CPU us per request), what one dedicated core would sustain; it is
# barely affected by other load on the machine.
set terminal svg size 760,440 font "sans,12"
set output outfile
set title "echo over loopback: throughput against keep-alive connections"
set xlabel "connections"
set ylabel "requests per second"
set logscale x 2
set key outside bottom center horizontal maxrows 2
set grid
set yrange [0:*]
plot datafile using 1:2 with linespoints lw 2 lc rgb "#1f77b4" pt 7 title "baseline, measured", \
     datafile using 1:5 with linespoints lw 2 lc rgb "#d62728" pt 5 title "compiled echo.bpel, measured", \
     datafile using 1:(1e6/$4) with lines dt 2 lw 2 lc rgb "#1f77b4" title "baseline, per CPU-second", \
     datafile using 1:(1e6/$7) with lines dt 2 lw 2 lc rgb "#d62728" title "compiled, per CPU-second"
