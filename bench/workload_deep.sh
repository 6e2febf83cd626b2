# bench/run.sh hook (sourced, with $hb $py $res $threads $size $reps $have_torch set): the CNN and LSTM of
# the deep-architectures work (bench/deep_bench.c, peer bench/deep_bench_torch.py; docs/performance.md):
# training steps of a CNN on 1×40×40 images and of an LSTM (16 inputs, hidden 128, 50 steps), batch 256,
# and single-image CNN inference. Random inputs, the same shapes on both sides. hepnn and PyTorch run
# alternately in fresh processes, each at several thread settings, $reps repetitions; the summary
# compares each at its best setting.
db="$(dirname "$hb")/deep_bench"
case "$size" in
  full)  deep_iters=20 deep_batch=256 deep_calls=200 ;;
  quick) deep_iters=5 deep_batch=256 deep_calls=200 ;;
  *)     deep_iters=1 deep_batch=16 deep_calls=10 ;;
esac
# hepnn: the suite's settings plus one thread for everything (single images: a parallel region costs
# more than the work); PyTorch: its defaults, 1 thread with T OpenBLAS threads, 1 and 1.
deep_hn=("$threads $threads default" "$threads $threads passive" "1 $threads default" "1 1 default")
[ "$threads" = 1 ] && deep_hn=("1 1 default")
[ "$size" = smoke ] && deep_hn=("$threads $threads default")
deep_tp=("--defaults" "--threads 1 --blas-threads $threads" "--threads 1 --blas-threads 1")
[ "$threads" = 1 ] && deep_tp=("--threads 1 --blas-threads 1")
if [ -x "$db" ]; then
  for rep in $(seq "$reps"); do
    log "CNN and LSTM, repetition $rep/$reps"
    # interleaved: hepnn setting i, then PyTorch setting i
    for i in $(seq 0 $(( ${#deep_hn[@]} > ${#deep_tp[@]} ? ${#deep_hn[@]} - 1 : ${#deep_tp[@]} - 1 ))); do
      if [ "$i" -lt ${#deep_hn[@]} ]; then
        set -- ${deep_hn[$i]}
        env "$(hn_env "$3")" "$db" all "$deep_iters" --batch "$deep_batch" --calls "$deep_calls" --threads "$1" --blas-threads "$2" \
          --json >> "$res"
      fi
      if [ "${have_torch:-0}" = 1 ] && [ "$i" -lt ${#deep_tp[@]} ]; then
        "$py" "$here/deep_bench_torch.py" all "$deep_iters" --batch "$deep_batch" --calls "$deep_calls" ${deep_tp[$i]} --json >> "$res"
      fi
    done
  done
else
  log "$db not built: CNN and LSTM workloads skipped"
fi
