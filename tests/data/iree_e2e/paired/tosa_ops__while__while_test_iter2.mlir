module {
  func.func @while_test_iter2() -> (tensor<i32>, tensor<i32>) {
    %0 = util.unfoldable_constant dense<0> : tensor<i32>
    %1 = tosa.while_loop (%arg0 = %0) : (tensor<i32>) -> tensor<i32> {
      %2 = tosa.const  values(dense<3> : tensor<i32>) : () -> tensor<i32>
      %3 = tosa.greater_equal %2, %arg0 : (tensor<i32>, tensor<i32>) -> tensor<i1>
      tosa.yield %3 : tensor<i1>
    } do {
    ^bb0(%arg0: tensor<i32>):
      %2 = tosa.const  values(dense<2> : tensor<i32>) : () -> tensor<i32>
      %3 = tosa.add %arg0, %2 : (tensor<i32>, tensor<i32>) -> tensor<i32>
      tosa.yield %3 : tensor<i32>
    }
    %cst = arith.constant dense<4> : tensor<i32>
    return %1, %cst : tensor<i32>, tensor<i32>
  }
}
