# bench/run.sh hook (sourced, with $hb $py $d $res $threads $size $have_torch $out set): training quality.
# Issue 8: "at equal epochs, hepnn's test AUC is within 0.003 of PyTorch's on the same data, averaged over
# 3 seeds". Both train the MLP 28-300-300-300-1 (ReLU, sigmoid + BCE, Adam lr 1e-3, batch 256) for the
# same epochs on the first n_train events of the suite's .npy file and score the last n_test; inputs
# standardised from the training events on both sides. Both AUCs come from scikit-learn's roc_auc_score
# (peer_torch.py rescores hepnn's test scores); hepnn's own hn_auc is recorded beside it as a check.
# Two pairings per seed: each framework's default initialiser (hepnn: Xavier uniform, PyTorch: its
# kaiming-uniform(a=√5) with uniform biases), and the same initialiser on both (He uniform, zero biases:
# the network the speed workloads train), so a gap can be told apart from a difference of initialisation.
case "$size" in
  full)  auc_train=800000 auc_test=200000 auc_epochs=2 auc_seeds="1 2 3" ;;
  quick) auc_train=50000 auc_test=50000 auc_epochs=3 auc_seeds="1 2 3" ;;
  *)     auc_train=2000 auc_test=1000 auc_epochs=1 auc_seeds="1" ;;
esac
for seed in $auc_seeds; do
  for pair in "xavier default" "he he"; do
    set -- $pair
    log "training quality: seed $seed, hepnn init $1 / PyTorch init $2, $auc_epochs epochs on $auc_train events"
    "$hb" auc --data "$d" --n "$auc_train" --n-test "$auc_test" --epochs "$auc_epochs" --seed "$seed" \
      --init "$1" --threads 1 --blas-threads "$threads" --scores "$out/data/auc_scores.npy" >> "$res"
    if [ "${have_torch:-0}" = 1 ]; then
      "$py" "$here/peer_torch.py" auc --data "$d" --n "$auc_train" --n-test "$auc_test" --epochs "$auc_epochs" \
        --seed "$seed" --init "$2" --threads 1 --blas-threads "$threads" \
        --rescore "$out/data/auc_scores.npy" >> "$res"
    fi
  done
done
rm -f "$out/data/auc_scores.npy"
